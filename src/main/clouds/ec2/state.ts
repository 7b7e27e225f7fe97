/**
 * EC2 instance state -> Exitdesk's HostState. The six names are the `InstanceStateName` enum of
 * the EC2 API model (botocore `ec2/2016-11-15/service-2.json`: pending, running, shutting-down,
 * terminated, stopping, stopped), described at
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html
 * A terminated instance stays visible for about an hour; it is gone (nothing is billed for it),
 * so it maps to `deleted`.
 */
import type { HostState } from '../../../shared/domain'

export const INSTANCE_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  pending: 'provisioning',
  running: 'active',
  'shutting-down': 'deleting',
  terminated: 'deleted',
  stopping: 'stopping',
  stopped: 'stopped',
})

/** Anything EC2 adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function instanceState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(INSTANCE_STATES, rawStatus) ? INSTANCE_STATES[rawStatus]! : 'unknown'
}

/** States of an instance that still exists (and may still use its security group). */
export const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] as const
