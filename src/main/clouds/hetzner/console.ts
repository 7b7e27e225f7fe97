/**
 * Hetzner Cloud in the host details panel: the server, an HTTPS host's firewall and a Primary IP,
 * in Hetzner's words. Console pages sit under the project's numeric id
 * (https://console.hetzner.cloud/projects/<project id>/servers/<id>/overview), which the API
 * never names (see ./manifest.ts identity), so every resource links the console's project list
 * https://console.hetzner.cloud/projects, from which the user opens the project. No deep link
 * is guessed. https://docs.hetzner.com/cloud/general/faq/ (Cloud Console).
 */
import type { CloudConsole } from '../types'
import { labelsFor } from './labels'

const PROJECTS = 'https://console.hetzner.cloud/projects'

export const HETZNER_CONSOLE: CloudConsole = {
  labels: { instance: 'Server', firewall: 'Firewall', 'public-ip': 'Primary IP', tag: 'Label', 'ip-address': 'Public IPv4' },
  // The server's labels (./labels.ts): each tag a key with an empty value.
  instanceTags: (tags) => Object.keys(labelsFor(tags)),
  consoleUrl: (resource) => (resource.kind === 'tag' ? undefined : PROJECTS),
}
