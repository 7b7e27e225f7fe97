/**
 * Scaleway in the host details panel: the instance, its security group, flexible IP and local
 * volume, in Scaleway's words. Console addresses, as Scaleway's own CLI links them
 * (scaleway/scaleway-cli, internal/namespaces/instance/v1/custom_web_urls.go `addWebUrls`):
 *   server           https://console.scaleway.com/instance/servers/<zone>/<server id>/overview
 *   security groups  https://console.scaleway.com/instance/security-groups   (list)
 *   flexible IPs     https://console.scaleway.com/instance/ips               (list)
 *   volumes          https://console.scaleway.com/instance/volumes           (list)
 * Only the server has a per-resource address there; the others link their list rather than a
 * guessed deep link. https://www.scaleway.com/en/docs/instances/how-to/create-an-instance/
 */
import type { CloudConsole } from '../types'

const INSTANCE = 'https://console.scaleway.com/instance'

export const SCALEWAY_CONSOLE: CloudConsole = {
  labels: { instance: 'Instance', 'security-group': 'Security group', 'public-ip': 'Flexible IP', disk: 'Local volume', tag: 'Tag', 'ip-address': 'Public IPv4' },
  // `tags` of the server (./index.ts).
  instanceTags: (tags) => [tags.app, tags.host],
  consoleUrl(resource, host) {
    const zone = encodeURIComponent(host.locator.zone ?? host.locator.region)
    const server = resource.kind === 'instance' ? resource.id : host.locator.instanceId
    if ((resource.kind === 'instance' || resource.kind === 'ip-address') && server) return `${INSTANCE}/servers/${zone}/${encodeURIComponent(server)}/overview`
    if (resource.kind === 'security-group') return `${INSTANCE}/security-groups`
    if (resource.kind === 'public-ip') return `${INSTANCE}/ips`
    if (resource.kind === 'disk') return `${INSTANCE}/volumes`
    return undefined
  },
}
