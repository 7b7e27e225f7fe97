/**
 * Scaleway Instance server state -> Exitdesk's HostState. The six raw values are the `state`
 * enum of the Server schema in the Instance API description (../shared/provider-specs/scaleway,
 * `scaleway.instance.v1.Server.state`) and `ServerState` in scaleway-sdk-go
 * `api/instance/v1/instance_sdk.go`. After the server is deleted, GET answers 404 `not_found`,
 * which the adapter reports as `null`, i.e. deleted.
 */
import type { HostState } from '../../../shared/domain'

export const SERVER_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  starting: 'provisioning',
  running: 'active',
  stopping: 'stopping',
  // A server is created `stopped` and stays so until the poweron step: while the host is still
  // being created the host service shows it as provisioning (store/records.ts displayState).
  stopped: 'stopped',
  // Powered off but kept on its hypervisor (still billed): stopped as far as the user can tell.
  'stopped in place': 'stopped',
  // Scaleway locked the server (abuse or billing): nothing Exitdesk can fix.
  locked: 'error',
})

/** Anything Scaleway adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function serverState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(SERVER_STATES, rawStatus) ? SERVER_STATES[rawStatus]! : 'unknown'
}
