/**
 * OVHcloud Public Cloud instance status -> Exitdesk's HostState. The raw values are the
 * `cloud.instance.InstanceStatusEnum` of OVH's own API schema (eu.api.ovh.com/1.0/cloud.json,
 * kept in ../shared/provider-specs/ovhcloud/cloud.json; provider-facts.md section 9); they are
 * OpenStack Nova's server statuses as OVH passes them on. After DELETE the instance shows
 * DELETING, then GET answers 404, which the adapter reports as `null`, i.e. deleted.
 */
import type { HostState } from '../../../shared/domain'

export const INSTANCE_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  BUILD: 'provisioning',
  BUILDING: 'provisioning',
  // Rebuilt from its image: on its way up again.
  REBUILD: 'provisioning',
  ACTIVE: 'active',
  // Running while OVH (or a user in the console) does something to it; the raw word stays beside it.
  REBOOT: 'active',
  HARD_REBOOT: 'active',
  PASSWORD: 'active',
  RESIZE: 'active',
  RESIZED: 'active',
  VERIFY_RESIZE: 'active',
  REVERT_RESIZE: 'active',
  MIGRATING: 'active',
  SNAPSHOTTING: 'active',
  RESUMING: 'active',
  UNSHELVING: 'active',
  RESCUING: 'active',
  UNRESCUING: 'active',
  SHELVING: 'stopping',
  // Off but still billed (OVH bills an instance until it is deleted, except SHELVED_OFFLOADED's compute).
  SHUTOFF: 'stopped',
  STOPPED: 'stopped',
  PAUSED: 'stopped',
  SUSPENDED: 'stopped',
  SHELVED: 'stopped',
  SHELVED_OFFLOADED: 'stopped',
  DELETING: 'deleting',
  DELETED: 'deleted',
  SOFT_DELETED: 'deleted',
  ERROR: 'error',
  // In rescue mode the instance runs another system: not the tunnel server.
  RESCUE: 'unknown',
  RESCUED: 'unknown',
  UNKNOWN: 'unknown',
})

/** Anything OVH adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function instanceState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(INSTANCE_STATES, rawStatus) ? INSTANCE_STATES[rawStatus]! : 'unknown'
}
