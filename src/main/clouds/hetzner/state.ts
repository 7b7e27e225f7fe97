/**
 * Hetzner Cloud server status -> Exitdesk's HostState. The nine raw values are the `status`
 * enum of the Server schema in the official API description (docs.hetzner.cloud/cloud.spec.json,
 * kept in ../shared/provider-specs/hetzner) and of `ServerStatus` in hetznercloud/hcloud-go
 * `hcloud/server.go`. After DELETE the server is gone: GET answers 404 `not_found`, which the
 * adapter reports as `null`, i.e. deleted.
 */
import type { HostState } from '../../../shared/domain'

export const SERVER_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  initializing: 'provisioning',
  starting: 'provisioning',
  running: 'active',
  stopping: 'stopping',
  // Still billed while off (Hetzner bills a server until it is deleted, whatever its state).
  off: 'stopped',
  deleting: 'deleting',
  // Both are Hetzner doing something to a server that will run again: the nearest standard
  // state is "on its way up", and the raw word stays beside it in the table.
  migrating: 'provisioning',
  rebuilding: 'provisioning',
  unknown: 'unknown',
})

/** Anything Hetzner adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function serverState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(SERVER_STATES, rawStatus) ? SERVER_STATES[rawStatus]! : 'unknown'
}
