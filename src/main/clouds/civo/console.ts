/**
 * Civo in the host details panel: the instance and an HTTPS host's firewall.
 *   instance   https://dashboard.civo.com/instances/<id>
 *   firewalls  https://dashboard.civo.com/firewalls   (the list: "Networking > Firewalls";
 *              a firewall's own page address could not be confirmed)
 * https://www.civo.com/docs/compute/instances, https://www.civo.com/docs/networking/firewalls
 */
import type { CloudConsole } from '../types'

const DASHBOARD = 'https://dashboard.civo.com'

export const CIVO_CONSOLE: CloudConsole = {
  labels: { instance: 'Instance', firewall: 'Firewall', tag: 'Tag', 'ip-address': 'Public IPv4' },
  // `tags` of the create request: one space-separated string of both (./index.ts tagsFor).
  instanceTags: (tags) => [tags.app, tags.host],
  consoleUrl(resource, host) {
    const instance = resource.kind === 'instance' ? resource.id : host.locator.instanceId
    if ((resource.kind === 'instance' || resource.kind === 'ip-address') && instance) return `${DASHBOARD}/instances/${encodeURIComponent(instance)}`
    if (resource.kind === 'firewall') return `${DASHBOARD}/firewalls`
    return undefined
  },
}
