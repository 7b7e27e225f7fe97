interface Props {
  message: string | undefined
}

/** The OS keychain is missing: real clouds cannot keep a credential, the simulated cloud still works. */
export function KeyringBanner({ message }: Props) {
  return (
    <div className="banner banner-warn" role="alert" data-testid="keyring-banner">
      <p>
        {message ?? 'The system keychain is not available, so Exitdesk cannot store cloud credentials.'} You can still create hosts
        on the simulated cloud.
      </p>
    </div>
  )
}
