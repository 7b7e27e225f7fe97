/** The simulated cloud in the host details panel: its words, and no console to link to. */
import type { CloudConsole } from '../types'

export const SIMULATOR_CONSOLE: CloudConsole = {
  labels: { instance: 'Simulated instance', firewall: 'Simulated firewall', tag: 'Tag', 'ip-address': 'Simulated IPv4 (documentation range, never contacted)' },
  instanceTags: (tags) => [tags.app, tags.host],
  consoleUrl: () => undefined,
}
