/**
 * DigitalOcean in the host details panel: what Exitdesk makes (a droplet, an HTTPS host's Cloud
 * Firewall, the host's tag) in DigitalOcean's words, and links into its control panel.
 * Control-panel URL formats (not part of the API; seen in DigitalOcean's own UI and in public
 * tools that link to it):
 *   droplet   https://cloud.digitalocean.com/droplets/<droplet id>
 *   firewall  https://cloud.digitalocean.com/networking/firewalls/<firewall uuid>
 * https://docs.digitalocean.com/products/droplets/how-to/ (control panel: Droplets),
 * https://docs.digitalocean.com/products/networking/firewalls/how-to/ (Networking > Firewalls).
 * A tag has no page of its own; the public IPv4 is shown on the droplet's page.
 */
import type { CloudConsole } from '../types'

const CONSOLE = 'https://cloud.digitalocean.com'

export const DIGITALOCEAN_CONSOLE: CloudConsole = {
  labels: { instance: 'Droplet', firewall: 'Cloud Firewall', tag: 'Tag', 'ip-address': 'Public IPv4' },
  // `tags` of the droplet create request (./index.ts dropletRequest).
  instanceTags: (tags) => [tags.app, tags.host],
  consoleUrl(resource, host) {
    const droplet = host.locator.instanceId
    if (resource.kind === 'instance') return `${CONSOLE}/droplets/${encodeURIComponent(resource.id)}`
    if (resource.kind === 'ip-address') return droplet ? `${CONSOLE}/droplets/${encodeURIComponent(droplet)}` : undefined
    if (resource.kind === 'firewall') return `${CONSOLE}/networking/firewalls/${encodeURIComponent(resource.id)}`
    return undefined
  },
}
