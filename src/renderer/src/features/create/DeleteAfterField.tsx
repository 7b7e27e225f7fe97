import type { UseFormRegister } from 'react-hook-form'
import { AUTO_TEARDOWN_CHOICES, autoTeardownLabel } from '../../../../shared/domain'
import { FieldError } from '../../components/FieldError'
import type { NewHostValues } from '../../lib/new-host-schema'

interface Props {
  id: string
  /** Called here, not by the parent: fields register in screen order, the order the first invalid one is focused in. */
  register: UseFormRegister<NewHostValues>
  /** The user picked a value. */
  onChosen: () => void
  error?: string
}

/** "Delete after": the host is torn down on its own that long after it is created. */
export function DeleteAfterField({ id, register, onChosen, error }: Props) {
  const errorId = `${id}-error`
  const hintId = `${id}-hint`
  return (
    <div className="field">
      <label htmlFor={id}>Delete after</label>
      <select
        id={id}
        data-testid="create-delete-after"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${errorId} ${hintId}` : hintId}
        {...register('deleteAfter', { onChange: onChosen })}
      >
        {AUTO_TEARDOWN_CHOICES.map((choice) => (
          <option key={choice} value={choice}>
            {choice === 'never' ? 'never (keep until deleted)' : autoTeardownLabel(choice)}
          </option>
        ))}
      </select>
      <FieldError id={errorId} message={error} />
      <p className="hint" id={hintId}>
        Exitdesk deletes the host on its own when the time is up, even with this window closed, and warns 10 minutes before.
      </p>
    </div>
  )
}
