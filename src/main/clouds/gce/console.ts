/**
 * Google Compute Engine in the host details panel: the VM instance and an HTTPS host's VPC
 * firewall rule, with links into the Google Cloud console of the project:
 *   instance       https://console.cloud.google.com/compute/instancesDetail/zones/<zone>/instances/<name>?project=<project>
 *   firewall rule  https://console.cloud.google.com/networking/firewalls/details/<name>?project=<project>
 * https://cloud.google.com/compute/docs/instances/view-vm-details (VM instance details page),
 * https://cloud.google.com/firewall/docs/using-firewalls#console (Firewall policies > rule details).
 * The project id may be a credential value main redacts (the account form's "Project id"): a
 * link carrying it would arrive as "[redacted]", so the host details fall back to the console's
 * VM list (`fallbackUrl`) then.
 */
import type { CloudConsole, ConsoleHost } from '../types'
import { APP_LABEL, HOST_LABEL } from './labels'

const CONSOLE = 'https://console.cloud.google.com'

function projectOf(host: ConsoleHost): string | undefined {
  const given = host.credentials.projectId?.trim()
  if (given) return given
  try {
    const key = JSON.parse(host.credentials.serviceAccountKey ?? '') as { project_id?: unknown }
    return typeof key.project_id === 'string' && key.project_id !== '' ? key.project_id : undefined
  } catch {
    return undefined
  }
}

export const GCE_CONSOLE: CloudConsole = {
  labels: { instance: 'VM instance', firewall: 'VPC firewall rule', tag: 'Label', 'ip-address': 'External IPv4 address' },
  // The instance's labels (./labels.ts labelsFor), as the console lists them: key: value.
  instanceTags: (tags) => [`${APP_LABEL}: ${tags.app}`, `${HOST_LABEL}: ${tags.host}`],
  credentialKeys: ['projectId', 'serviceAccountKey'],
  fallbackUrl: `${CONSOLE}/compute/instances`,
  consoleUrl(resource, host) {
    const project = projectOf(host)
    if (!project) return `${CONSOLE}/compute/instances`
    const query = `?project=${encodeURIComponent(project)}`
    const zone = host.locator.zone ?? host.locator.region
    // The instance's page is named by its name (the host's name), not its numeric id.
    const instancePage = `${CONSOLE}/compute/instancesDetail/zones/${encodeURIComponent(zone)}/instances/${encodeURIComponent(host.name)}${query}`
    if (resource.kind === 'instance' || resource.kind === 'ip-address') return instancePage
    if (resource.kind === 'firewall') return `${CONSOLE}/networking/firewalls/details/${encodeURIComponent(resource.id)}${query}`
    return undefined
  },
}
