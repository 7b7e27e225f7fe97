import { AUTO_TEARDOWN_CHOICES, autoTeardownLabel, type AutoTeardownChoice } from '../../../../shared/domain'
import { FieldError } from '../../components/FieldError'

interface Props {
  id: string
  value: AutoTeardownChoice
  onChange: (value: AutoTeardownChoice) => void
  error?: string
}

/** "Delete after": the host is torn down on its own that long after it is created. */
export function DeleteAfterField({ id, value, onChange, error }: Props) {
  return (
    <div className="field">
      <label htmlFor={id}>Delete after</label>
      <select id={id} data-testid="create-delete-after" value={value} aria-invalid={error ? true : undefined} onChange={(event) => onChange(event.target.value as AutoTeardownChoice)}>
        {AUTO_TEARDOWN_CHOICES.map((choice) => (
          <option key={choice} value={choice}>
            {choice === 'never' ? 'never (keep until deleted)' : autoTeardownLabel(choice)}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} message={error} />
      <p className="hint">Exitdesk deletes the host on its own when the time is up, even with this window closed, and warns 10 minutes before.</p>
    </div>
  )
}
