import type { Host } from '../../../../shared/domain'
import { tunnelLine } from '../../lib/tunnel'

/** The tunnel's own line under the VM badge, e.g. "tunnel server not answering yet". */
export function TunnelState({ host }: { host: Pick<Host, 'readiness'> }) {
  const line = tunnelLine(host)
  if (!line) return null
  return (
    <div className={`tunnel-state tunnel-${line.tone}`} data-testid="host-tunnel-state" data-tunnel={host.readiness?.status} title={line.title}>
      {line.text}
    </div>
  )
}
