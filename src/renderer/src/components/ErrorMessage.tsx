import { errorSentence } from '../lib/api-error'

interface Props {
  error: unknown
  /** A sentence put before main's explanation, e.g. "The host list could not be loaded." */
  lead?: string
  credentialLabels?: Record<string, string>
  testId?: string
  /** "banner" for section-level errors, "inline" next to a form or a row. */
  variant?: 'banner' | 'inline'
}

/** Any error, as a sentence, announced to screen readers. */
export function ErrorMessage({ error, lead, credentialLabels, testId, variant = 'inline' }: Props) {
  const sentence = errorSentence(error, credentialLabels)
  return (
    <p className={variant === 'banner' ? 'banner banner-error' : 'inline-error'} role="alert" data-testid={testId}>
      {lead ? `${lead} ${sentence}` : sentence}
    </p>
  )
}
