/**
 * GCE instance status -> Exitdesk's HostState. The values are the `status` enum of the Instance
 * schema in compute.v1.discovery.json (PROVISIONING, STAGING, RUNNING, STOPPING, STOPPED,
 * SUSPENDING, SUSPENDED, REPAIRING, TERMINATED, plus PENDING, PENDING_STOP and DEPROVISIONING
 * in newer revisions): https://cloud.google.com/compute/docs/instances/instance-life-cycle
 *
 * TERMINATED is a *stopped* instance (its disk is kept and billed, it can be started again),
 * never a deleted one: a deleted instance is simply gone, and GET answers 404, which the
 * adapter reports as `null`.
 */
import type { HostState } from '../../../shared/domain'

export const INSTANCE_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  PROVISIONING: 'provisioning',
  STAGING: 'provisioning',
  // Flex-start VMs waiting for capacity.
  PENDING: 'provisioning',
  RUNNING: 'active',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  PENDING_STOP: 'stopping',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  TERMINATED: 'stopped',
  DEPROVISIONING: 'deleting',
  // Google is repairing the host: neither up nor down as far as anyone outside can tell.
  REPAIRING: 'unknown',
})

/** Anything Google adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function instanceState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(INSTANCE_STATES, rawStatus) ? INSTANCE_STATES[rawStatus]! : 'unknown'
}
