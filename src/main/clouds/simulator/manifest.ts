/** The built-in simulated cloud: no account, no cost, nothing leaves this computer. */
import type { CloudManifest } from '../types'
import { DNS_LABEL_RULE } from '../../../shared/naming'

export const simulatorManifest: CloudManifest = {
  id: 'simulator',
  label: 'Simulated cloud',
  simulated: true,
  credentialFields: [],
  supportsEndpoint: false,
  defaultRegion: 'sim-local-1',
  defaultPlan: 'sim-nano',
  image: {
    id: 'ubuntu-24.04-simulated',
    label: 'Ubuntu 24.04 LTS (simulated)',
    link: 'https://releases.ubuntu.com/24.04/',
  },
  regions: [
    { id: 'sim-local-1', label: 'Simulated region 1' },
    { id: 'sim-local-2', label: 'Simulated region 2' },
  ],
  plans: [
    { id: 'sim-nano', label: 'Simulated nano (1 vCPU, 512 MB)', monthlyCostUsd: 0, costNote: 'simulated: nothing is billed' },
    { id: 'sim-micro', label: 'Simulated micro (1 vCPU, 1 GB)', monthlyCostUsd: 0, costNote: 'simulated: nothing is billed' },
  ],
  nameRule: DNS_LABEL_RULE,
  capabilities: { httpsFirewall: true, ipv6: false, listScope: 'account' },
  identity: { label: 'simulator', description: 'there is one simulated cloud per data folder', source: 'src/main/clouds/simulator/index.ts' },
}
