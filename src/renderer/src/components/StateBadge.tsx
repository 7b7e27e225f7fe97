import type { HostState, TunnelReadiness } from '../../../shared/domain'
import { stateBadgeClass, vmStateLabel } from '../lib/tunnel'

interface Props {
  state: HostState
  rawStatus: string
  /** The tunnel's readiness: the badge is green only when the VM runs and the tunnel is ready. */
  readiness?: Pick<TunnelReadiness, 'status'>
}

/** The VM's normalized state as a coloured badge; the cloud's own word is its tooltip. */
export function StateBadge({ state, rawStatus, readiness }: Props) {
  return (
    <span className={`badge ${stateBadgeClass(state, readiness)}`} data-testid="host-state" title={`The cloud says: ${rawStatus || 'nothing yet'}`}>
      {vmStateLabel(state)}
    </span>
  )
}
