import type { Ref } from 'react'
import type { NameRule } from '../../../../shared/domain'
import { FieldError } from '../../components/FieldError'

interface Props {
  id: string
  inputRef: Ref<HTMLInputElement>
  value: string
  rule: NameRule
  /** The live check's problem ("must be ..."), if any. */
  problem: string | undefined
  /** Main's sentence when it refused the name. */
  serverError: string | undefined
  onChange: (name: string) => void
  onRegenerate: () => void
}

export function NameField({ id, inputRef, value, rule, problem, serverError, onChange, onRegenerate }: Props) {
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const message = problem ? `Host name ${problem}.` : serverError
  return (
    <div className="field">
      <label htmlFor={id}>Host name</label>
      <div className="input-row">
        <input
          ref={inputRef}
          id={id}
          data-testid="create-name"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          maxLength={Math.max(rule.maxLength + 20, 80)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? `${errorId} ${hintId}` : hintId}
        />
        <button
          type="button"
          className="button icon-button"
          data-testid="create-name-regenerate"
          aria-label="Suggest another name"
          title="Suggest another name"
          onClick={onRegenerate}
        >
          ↻
        </button>
      </div>
      <FieldError id={errorId} message={message} />
      <p className="hint" id={hintId}>
        {rule.description}
      </p>
    </div>
  )
}
