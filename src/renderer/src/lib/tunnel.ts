/**
 * How the table shows a host's two signals side by side: the VM's state (the cloud's word,
 * normalized) and the tunnel's readiness (main asks the host itself). Pure: no React, no DOM.
 */
import type { Host, HostState, TunnelReadiness } from '../../../shared/domain'

/** The VM badge's words: "VM running" says what the cloud knows, and only that. */
export function vmStateLabel(state: HostState): string {
  if (state === 'active') return 'VM running'
  if (state === 'stopping' || state === 'stopped') return `VM ${state}`
  return state
}

/**
 * The badge's colour class. Green ("badge-active") only when the VM runs AND its tunnel is
 * ready; a running VM whose tunnel is still coming up, could not be checked, or was not checked
 * at all (no address yet) is amber.
 */
export function stateBadgeClass(state: HostState, readiness: Pick<TunnelReadiness, 'status'> | undefined): string {
  if (state === 'active' && readiness?.status !== 'ready') return 'badge-active-waiting'
  return `badge-${state}`
}

export type TunnelTone = 'ready' | 'waiting' | 'unknown'

/** The tunnel line under the VM badge; undefined when main did not check this host (not running yet). */
export function tunnelLine(host: Pick<Host, 'readiness'>): { tone: TunnelTone; text: string; title?: string } | undefined {
  const readiness = host.readiness
  if (!readiness) return undefined
  const tone: TunnelTone = readiness.status === 'ready' ? 'ready' : readiness.status === 'unknown' ? 'unknown' : 'waiting'
  return { tone, text: readiness.summary, title: readiness.checkedAt ? `Checked ${new Date(readiness.checkedAt).toLocaleTimeString()}` : undefined }
}
