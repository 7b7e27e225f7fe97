interface Props {
  id: string
  message: string | undefined
}

/** The sentence under a field that is at fault; the field points here with aria-describedby. */
export function FieldError({ id, message }: Props) {
  if (!message) return null
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  )
}
