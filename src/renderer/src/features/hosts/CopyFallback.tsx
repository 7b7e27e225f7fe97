import { useEffect, useId, useRef } from 'react'
import type { CopyWhat } from './useCopyFromMain'

interface Props {
  what: CopyWhat
  text: string
  onClose: () => void
}

/** The clipboard was not available: the text, selected, in a read-only box. */
export function CopyFallback({ what, text, onClose }: Props) {
  const boxRef = useRef<HTMLTextAreaElement>(null)
  const id = useId()

  useEffect(() => {
    boxRef.current?.focus()
    boxRef.current?.select()
  }, [])

  return (
    <div className="copy-fallback">
      <label htmlFor={id}>
        The clipboard is not available here. Select the {what === 'command' ? 'client command' : 'token'} below and copy it yourself
        (it is secret: do not share it).
      </label>
      <textarea
        id={id}
        ref={boxRef}
        className="mono"
        data-testid="copied-text"
        readOnly
        value={text}
        rows={what === 'command' ? 3 : 1}
        spellCheck={false}
        onFocus={(event) => event.currentTarget.select()}
      />
      <button type="button" className="button button-small" onClick={onClose}>
        Hide
      </button>
    </div>
  )
}
