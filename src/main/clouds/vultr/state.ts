/**
 * Vultr instance state -> Exitdesk's HostState. An instance has three fields
 * (vultr-openapi-v2.json `#/components/schemas/instance`):
 * - `status`: active, pending, suspended, resizing (the subscription);
 * - `power_status`: running, stopped (the VM);
 * - `server_status`: none, locked, installingbooting, ok (the operating system).
 * Only all three together say whether the host is up: an `active` subscription is still
 * installing until `server_status` is `ok` (inletsctl's Vultr provisioner waits for exactly
 * that, vendor/github.com/inlets/cloud-provision/provision/vultr.go). After DELETE the instance
 * simply disappears (GET answers 404), which the adapter reports as `null`, i.e. deleted.
 * Anything else maps to `unknown`, never to a guess; the raw values are kept beside it.
 */
import type { HostState } from '../../../shared/domain'

export interface VultrStatus {
  status?: string
  power_status?: string
  server_status?: string
}

export function instanceState(instance: VultrStatus): HostState {
  const { status, power_status: power, server_status: server } = instance
  switch (status) {
    case 'pending':
    case 'resizing':
      return 'provisioning'
    case 'suspended':
      // Suspended by Vultr (billing, abuse): it will not serve the tunnel until the user acts.
      return 'error'
    case 'active':
      break
    default:
      return 'unknown'
  }
  if (power === 'stopped') return 'stopped'
  if (power !== 'running') return 'unknown'
  switch (server) {
    case 'ok':
      return 'active'
    case 'none':
    case 'installingbooting':
      return 'provisioning'
    default:
      // `locked` (a snapshot restore, a reinstall) and anything new: not a state to guess at.
      return 'unknown'
  }
}

/** The three raw values as one word for the table, e.g. "active/running/installingbooting". */
export function rawStatus(instance: VultrStatus): string {
  return [instance.status ?? '?', instance.power_status ?? '?', instance.server_status ?? '?'].join('/')
}
