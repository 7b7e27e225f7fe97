/**
 * A row's auto-teardown: the countdown (its own component, so the shared clock re-renders only
 * it, as with the age) and a small select to change or cancel it.
 */
import { useId } from 'react'
import { AUTO_TEARDOWN_CHOICES, autoTeardownLabel, type AutoTeardownChoice, type Host } from '../../../../shared/domain'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useNow } from '../../hooks/useNow'
import { formatCountdown } from '../../lib/countdown'
import { useSetAutoTeardown } from './useSetAutoTeardown'

export function Countdown({ deleteAt }: { deleteAt: string }) {
  const text = formatCountdown(deleteAt, useNow())
  return text ? (
    <span className="tag tag-countdown" data-testid="host-countdown" title={`Auto-teardown at ${new Date(deleteAt).toLocaleString()}`}>
      {text}
    </span>
  ) : null
}

/** Offered only while the host is not being deleted: a teardown under way cannot be postponed. */
export function DeleteAfterSelect({ host }: { host: Pick<Host, 'id' | 'name' | 'deleteAfter' | 'state'> }) {
  const id = useId()
  const change = useSetAutoTeardown(host.id)
  if (host.state === 'deleting') return null
  return (
    <span className="delete-after">
      <label htmlFor={id} className="small muted">
        Delete after
      </label>{' '}
      <select
        id={id}
        className="select-small"
        data-testid="host-delete-after"
        aria-label={`Delete ${host.name} after`}
        value={host.deleteAfter ?? 'never'}
        disabled={change.isPending}
        title="A new choice counts from now"
        onChange={(event) => change.mutate(event.target.value as AutoTeardownChoice)}
      >
        {AUTO_TEARDOWN_CHOICES.map((choice) => (
          <option key={choice} value={choice}>
            {autoTeardownLabel(choice)}
          </option>
        ))}
      </select>
      {change.error ? <ErrorMessage error={change.error} lead="Auto-teardown could not be changed." /> : null}
    </span>
  )
}
