/**
 * Civo instance status -> Exitdesk's HostState.
 *
 * Civo publishes no enum. What the documentation and the Go client show: `BUILDING` in the
 * create answer and `ACTIVE` in the list and get answers (https://www.civo.com/api/instances),
 * `SHUTOFF` after `PUT /v2/instances/:id/stop` (civo/civogo `instance.go` StopInstance and
 * `InstanceStateMustBeActiveOrShutoffError` in `errors.go`), and lower-case `building` in civogo's
 * own tests — so the word is compared upper-cased. The rest (`STOPPED`, `STOPPING`, `STARTING`,
 * `REBOOTING`, `DELETING`, `ERROR`, `FAILED`) are the nearest OpenStack-style words Civo is
 * reported to use; anything else maps to `unknown` and the raw word stays beside it. After
 * DELETE, GET answers 404 (`database_instance_not_found`), which the adapter reports as `null`,
 * i.e. deleted.
 */
import type { HostState } from '../../../shared/domain'

export const INSTANCE_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  BUILDING: 'provisioning',
  STARTING: 'provisioning',
  // A reboot or a rebuild comes back up: "on its way up" is the nearest standard state.
  REBOOTING: 'provisioning',
  REBUILDING: 'provisioning',
  ACTIVE: 'active',
  STOPPING: 'stopping',
  // Still billed while off: "a stopped instance is chargeable exactly the same as an active
  // instance" (https://www.civo.com/learn/quota-charges-and-payment).
  SHUTOFF: 'stopped',
  STOPPED: 'stopped',
  DELETING: 'deleting',
  ERROR: 'error',
  FAILED: 'error',
})

/** Anything Civo adds later maps to `unknown`, never to a guess. */
export function instanceState(rawStatus: string | undefined | null): HostState {
  if (typeof rawStatus !== 'string') return 'unknown'
  const word = rawStatus.trim().toUpperCase()
  return Object.prototype.hasOwnProperty.call(INSTANCE_STATES, word) ? INSTANCE_STATES[word]! : 'unknown'
}
