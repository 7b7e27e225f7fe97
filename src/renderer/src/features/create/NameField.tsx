import type { UseFormRegister } from 'react-hook-form'
import type { NameRule } from '../../../../shared/domain'
import { FieldError } from '../../components/FieldError'
import type { NewHostValues } from '../../lib/new-host-schema'

interface Props {
  id: string
  /**
   * react-hook-form's register, called here so fields register in screen order (the order the
   * first invalid one is focused in). The input stays uncontrolled: no re-render per keystroke.
   */
  register: UseFormRegister<NewHostValues>
  rule: NameRule
  /** The sentence shown under the field: the cloud's naming rule broken, or main's refusal. */
  error: string | undefined
  onRegenerate: () => void
}

export function NameField({ id, register, rule, error, onRegenerate }: Props) {
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  return (
    <div className="field">
      <label htmlFor={id}>Host name</label>
      <div className="input-row">
        <input
          id={id}
          data-testid="create-name"
          maxLength={Math.max(rule.maxLength + 20, 80)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${errorId} ${hintId}` : hintId}
          {...register('name')}
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
      <FieldError id={errorId} message={error} />
      <p className="hint" id={hintId}>
        {rule.description}
      </p>
    </div>
  )
}
