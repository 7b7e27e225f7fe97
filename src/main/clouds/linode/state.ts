/**
 * Linode instance status -> Exitdesk's HostState. The raw values are the `status` enum of the
 * Linode object in linode/linode-api-docs `openapi.yaml` (v4.189.0: running, offline, booting,
 * busy, rebooting, shutting_down, provisioning, deleting, migrating, rebuilding, cloning,
 * restoring, stopped, billing_suspension), plus `resizing`, which linode/linodego
 * (`instances.go`, InstanceResizing) knows and the API reports during a plan change.
 * A Linode the API no longer knows answers 404, which the adapter reports as `null` (deleted).
 */
import type { HostState } from '../../../shared/domain'

export const LINODE_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  provisioning: 'provisioning',
  booting: 'provisioning',
  // The disk is being rewritten or copied, or the plan changed: the tunnel is down until the
  // Linode boots again, which is what `provisioning` says ("coming up").
  rebuilding: 'provisioning',
  cloning: 'provisioning',
  restoring: 'provisioning',
  resizing: 'provisioning',
  // A reboot takes the tunnel down for a moment and brings it back by itself.
  rebooting: 'provisioning',
  running: 'active',
  // A live migration and a `busy` Linode keep running: the nearest state is still `active`.
  migrating: 'active',
  busy: 'active',
  shutting_down: 'stopping',
  offline: 'stopped',
  stopped: 'stopped',
  deleting: 'deleting',
  // Linode has suspended the account's services for billing: nothing runs, and only the
  // account owner can change that, so it is an error rather than a transient state.
  billing_suspension: 'error',
})

/** Anything Linode adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function linodeState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(LINODE_STATES, rawStatus) ? LINODE_STATES[rawStatus]! : 'unknown'
}
