/**
 * Linode (Akamai) in the host details panel: the Linode and an HTTPS host's Cloud Firewall, with
 * links into Cloud Manager:
 *   https://cloud.linode.com/linodes/<id>     https://cloud.linode.com/firewalls/<id>
 * https://techdocs.akamai.com/cloud-computing/docs/manage-linodes (Cloud Manager: Linodes),
 * https://techdocs.akamai.com/cloud-computing/docs/manage-cloud-firewalls (Firewalls).
 */
import type { CloudConsole } from '../types'

const MANAGER = 'https://cloud.linode.com'

export const LINODE_CONSOLE: CloudConsole = {
  labels: { instance: 'Linode', firewall: 'Cloud Firewall', tag: 'Tag', 'ip-address': 'Public IPv4' },
  // `tags` of the create request (./index.ts).
  instanceTags: (tags) => [tags.app, tags.host],
  consoleUrl(resource, host) {
    if (resource.kind === 'instance') return `${MANAGER}/linodes/${encodeURIComponent(resource.id)}`
    if (resource.kind === 'ip-address') return host.locator.instanceId ? `${MANAGER}/linodes/${encodeURIComponent(host.locator.instanceId)}/networking` : undefined
    if (resource.kind === 'firewall') return `${MANAGER}/firewalls/${encodeURIComponent(resource.id)}`
    return undefined
  },
}
