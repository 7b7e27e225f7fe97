/**
 * Azure in the host details panel: what Exitdesk makes lives in one resource group per host
 * (./index.ts groupName), with links into the Azure portal by resource id:
 *   https://portal.azure.com/#@/resource/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<vm>/overview
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
 * (resource ids), https://learn.microsoft.com/azure/azure-portal/azure-portal-overview (portal).
 * The subscription id is a credential field main treats as secret (redacted wherever main
 * writes, see ./index.ts accountIdentity), so such a link would reach the window as
 * "[redacted]": the host details then link the portal's resource group list instead
 * (`fallbackUrl`, https://portal.azure.com/#browse/resourcegroups), where the group is named
 * after the host.
 */
import type { CloudConsole, ConsoleHost } from '../types'

const PORTAL = 'https://portal.azure.com'

function resourceUrl(host: ConsoleHost, path: string): string | undefined {
  const subscription = host.credentials.subscriptionId?.trim()
  const group = host.locator.resourceGroup
  if (!subscription || !group) return undefined
  return `${PORTAL}/#@/resource/subscriptions/${encodeURIComponent(subscription)}/resourceGroups/${encodeURIComponent(group)}${path}/overview`
}

export const AZURE_CONSOLE: CloudConsole = {
  labels: { instance: 'Virtual machine', 'public-ip': 'Public IP address', 'network-interface': 'Network interface', disk: 'Disk', tag: 'Tag', 'ip-address': 'Public IP address' },
  // The VM's tags (./index.ts): the two tags as names with empty values.
  instanceTags: (tags) => [tags.app, tags.host],
  credentialKeys: ['subscriptionId'],
  fallbackUrl: `${PORTAL}/#browse/resourcegroups`,
  consoleUrl(resource, host) {
    if (resource.kind === 'instance') {
      // The locator's instance id is "<group>/<vm name>" (./index.ts instanceIdOf).
      const vm = resource.id.split('/').at(-1) ?? resource.id
      return resourceUrl(host, `/providers/Microsoft.Compute/virtualMachines/${encodeURIComponent(vm)}`) ?? `${PORTAL}/#browse/resourcegroups`
    }
    if (resource.kind === 'tag') return undefined
    return resourceUrl(host, '') ?? `${PORTAL}/#browse/resourcegroups`
  },
}
