/**
 * Vultr in the host details panel: the instance and an HTTPS host's firewall group.
 *   instance        https://my.vultr.com/subs/?id=<instance id>   (the customer portal's server page)
 *   firewall group  https://my.vultr.com/firewall/                 (the list: a group's own page
 *                   address could not be confirmed, so it is not guessed)
 * https://docs.vultr.com/products/compute/cloud-compute (Cloud Compute in the customer portal),
 * https://docs.vultr.com/products/network/firewall (firewall groups).
 */
import type { CloudConsole } from '../types'

const PORTAL = 'https://my.vultr.com'

export const VULTR_CONSOLE: CloudConsole = {
  labels: { instance: 'Cloud Compute instance', firewall: 'Firewall group', tag: 'Tag', 'ip-address': 'Public IPv4' },
  // `tags` of the create request (./index.ts).
  instanceTags: (tags) => [tags.app, tags.host],
  consoleUrl(resource, host) {
    if (resource.kind === 'instance') return `${PORTAL}/subs/?id=${encodeURIComponent(resource.id)}`
    if (resource.kind === 'ip-address') return host.locator.instanceId ? `${PORTAL}/subs/?id=${encodeURIComponent(host.locator.instanceId)}` : undefined
    if (resource.kind === 'firewall') return `${PORTAL}/firewall/`
    return undefined
  },
}
