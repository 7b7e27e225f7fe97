/**
 * An Azure VM's state lives in two fields that must be read together
 * (../shared/provider-facts.md §4; the enums of `@azure/arm-compute`):
 * - `provisioningState` of the VM resource: Creating, Updating, Succeeded, Failed, Deleting,
 *   Canceled (https://learn.microsoft.com/azure/virtual-machines/states-billing#provisioning-states);
 * - the instance view's `PowerState/<code>` status: starting, running, stopping, stopped,
 *   deallocating, deallocated, unknown
 *   (https://learn.microsoft.com/azure/virtual-machines/states-billing#power-states-and-billing).
 * The instance view also carries `ProvisioningState/<code>`, used when the resource's own
 * field is absent (a list with `statusOnly=true`). A VM that ARM answers 404 for is deleted
 * (the adapter reports `null`).
 */
import type { HostState } from '../../../shared/domain'

const POWER: Readonly<Record<string, HostState>> = Object.freeze({
  starting: 'provisioning',
  running: 'active',
  stopping: 'stopping',
  deallocating: 'stopping',
  // Only "deallocated" ends compute billing; both are stopped for the user.
  stopped: 'stopped',
  deallocated: 'stopped',
  unknown: 'unknown',
})

export interface AzureVmStatus {
  /** e.g. "Succeeded" (case as ARM sends it; compared without case). */
  provisioningState?: string
  /** The code after "PowerState/", e.g. "running". */
  power?: string
}

/** Reads the two codes from an instance view's `statuses` list. */
export function statusCodes(statuses: ReadonlyArray<{ code?: string }> | undefined): { provisioning?: string; power?: string } {
  const codes = (statuses ?? []).map((status) => status.code ?? '')
  const after = (prefix: string): string | undefined => codes.find((code) => code.toLowerCase().startsWith(prefix))?.slice(prefix.length)
  return { provisioning: after('provisioningstate/'), power: after('powerstate/') }
}

/** The raw status kept beside the state: both words, e.g. "Succeeded, PowerState/running". */
export function rawVmStatus(status: AzureVmStatus): string {
  return [status.provisioningState ?? 'unknown', status.power !== undefined ? `PowerState/${status.power}` : undefined].filter(Boolean).join(', ')
}

/**
 * Both fields → one HostState. The resource's provisioning state wins while an operation on
 * the VM itself is under way (Creating, Deleting, Failed); otherwise the power state says it.
 * Anything Azure adds later maps to `unknown`, never to a guess.
 */
export function vmState(status: AzureVmStatus): HostState {
  const provisioning = status.provisioningState?.toLowerCase()
  const power = status.power?.toLowerCase()
  if (provisioning === 'deleting') return 'deleting'
  if (provisioning === 'failed') return 'error'
  if (provisioning === 'creating') return 'provisioning'
  if (power !== undefined) return Object.prototype.hasOwnProperty.call(POWER, power) ? POWER[power]! : 'unknown'
  // No power state yet: a VM whose create was just accepted has none.
  if (provisioning === 'updating' || provisioning === undefined) return provisioning === undefined ? 'unknown' : 'provisioning'
  return 'unknown'
}
