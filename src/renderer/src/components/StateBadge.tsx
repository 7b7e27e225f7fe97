import type { HostState } from '../../../shared/domain'

interface Props {
  state: HostState
  rawStatus: string
}

/** The normalized state as a coloured badge; the cloud's own word is its tooltip. */
export function StateBadge({ state, rawStatus }: Props) {
  return (
    <span className={`badge badge-${state}`} data-testid="host-state" title={`The cloud says: ${rawStatus || 'nothing yet'}`}>
      {state}
    </span>
  )
}
