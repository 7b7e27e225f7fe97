/**
 * OVHcloud Public Cloud in the host details panel: the instance, whose name carries the host's
 * tag (./naming.ts; OVHcloud instances have no tags). The manager's Public Cloud pages sit under
 * the project id: https://www.ovh.com/manager/#/public-cloud/pci/projects/<project id>/instances
 * (the project's instance list; the manager itself links /instances/new under it). An
 * instance's own page address could not be confirmed, so the list is linked rather than a
 * guessed deep link. https://help.ovhcloud.com/csm/en-public-cloud-compute-getting-started
 * The project id is a public credential field (./manifest.ts), so it is not redacted.
 */
import type { CloudConsole } from '../types'
import { instanceName } from './naming'

const MANAGER = 'https://www.ovh.com/manager/'

export const OVH_CONSOLE: CloudConsole = {
  labels: { instance: 'Instance', tag: 'Name prefix', 'ip-address': 'Public IPv4' },
  // No tags: the instance's name is "<host tag>.<name>", which is how a list finds it.
  instanceTags: (tags, host) => {
    try {
      return [`name: ${instanceName(tags, host.name)}`]
    } catch {
      return []
    }
  },
  credentialKeys: ['projectId'],
  fallbackUrl: MANAGER,
  consoleUrl(resource, host) {
    if (resource.kind === 'tag') return undefined
    const project = host.credentials.projectId?.trim()
    return project ? `${MANAGER}#/public-cloud/pci/projects/${encodeURIComponent(project)}/instances` : MANAGER
  },
}
