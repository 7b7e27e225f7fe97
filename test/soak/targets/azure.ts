/**
 * Azure: adapter -> the fault proxy over TLS (ARM's error shapes) -> the stateful fake ARM over
 * HTTPS. The Azure SDK sends its bearer token over TLS only, so a plain-http proxy cannot sit in
 * front; the proxy terminates TLS with the fake's own throwaway certificate (trusted by this
 * process, and by the SIGKILL child through NODE_EXTRA_CA_CERTS) and forwards over TLS. That
 * keeps one fault injector, one seeded fault sequence and one `intercept` (kill before
 * forwarding, or after ARM acted) for every cloud; the fake's own `chaos` faults stay off.
 *
 * Only ARM requests (/subscriptions/…) are faulted or intercepted: the token requests to the
 * fake Entra ID pass through untouched (the identity library's own retries run on real time).
 */
import { createAzureProvisioner } from '../../../src/main/clouds/azure'
import { startFakeAzure } from '../../fakes/azure'
import { makeCertificate, trustInThisProcess } from '../../fakes/azure-tls'
import { startFaultProxy, type ProxiedRequest } from '../../support/fault-proxy'
import { azureShape } from './rest-shapes'
import { hostOf, isChange, type CloudModule } from './types'

const arm = (request: ProxiedRequest): boolean => request.path.toLowerCase().startsWith('/subscriptions/')
const at = (method: string, path: RegExp) => (r: ProxiedRequest) => r.method === method && path.test(r.path.toLowerCase())

export const azure: CloudModule = {
  cloud: 'azure',
  soakTimeoutMs: 400,
  changes: (request) => arm(request) && isChange(request),
  provisioner: ({ timeoutMs }) => createAzureProvisioner({ timeoutMs }),
  killPoints: [
    { name: 'create: VM PUT accepted, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('PUT', /\/microsoft\.compute\/virtualmachines\/[^/]+$/) },
    { name: 'HTTPS create: between the network/NSG step and the VM step', mode: 'https', phase: 'create', when: 'before', matches: at('PUT', /\/microsoft\.compute\/virtualmachines\/[^/]+$/) },
    { name: 'HTTPS create: NSG PUT accepted, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('PUT', /\/microsoft\.network\/networksecuritygroups\/[^/]+$/) },
    { name: 'create: resource group PUT accepted, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('PUT', /\/resourcegroups\/[^/]+$/) },
    { name: 'teardown: resource group DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /\/resourcegroups\/[^/]+$/) },
  ],
  async start({ seed, clock, intercept, weights }) {
    const certificate = makeCertificate()
    trustInThisProcess(certificate.cert)
    const fake = await startFakeAzure({ certificate, clock, provisionAfterMs: 4_000, vmAfterMs: 6_000, deleteAfterMs: 3_000 })
    const proxy = await startFaultProxy({
      target: fake.url,
      seed,
      clock,
      weights,
      tls: certificate,
      rewriteOrigin: true,
      filter: arm,
      intercept: intercept ? (request) => (arm(request) ? intercept(request) : undefined) : undefined,
      shape: azureShape(),
      giveUpMs: 3_000,
    })
    return {
      cloud: 'azure',
      region: 'eastus',
      plan: 'Standard_B1ls',
      proxy,
      account: { cloud: 'azure', label: 'Soak', endpoint: proxy.url, credentials: fake.credentials },
      env: { NODE_EXTRA_CA_CERTS: certificate.certFile },
      instances: () => [...fake.resources.values()].filter((r) => r.type === 'microsoft.compute/virtualmachines').map((vm) => ({ id: vm.id, host: hostOf(Object.keys(vm.tags)) ?? hostOf([vm.group]) })),
      // One NSG per host, in the host's own resource group (named by its host tag).
      firewalls: () => [...fake.resources.values()].filter((r) => r.type === 'microsoft.network/networksecuritygroups').map((nsg) => ({ id: nsg.id, host: hostOf([nsg.group]) })),
      async leftovers() {
        const inventory = fake.inventory()
        return {
          instances: inventory.vms,
          firewalls: inventory.nsgs,
          tags: 0, // tags live on the resources
          others: inventory.groups + inventory.nics + inventory.publicIps + inventory.vnets + inventory.disks,
          detail: [...[...fake.groups.values()].map((g) => `resource group ${g.name}${g.deletingSinceMs !== undefined ? ' (deleting)' : ''}`), ...[...fake.resources.values()].map((r) => `${r.type} ${r.group}/${r.name}`)],
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      limitsEnforced: "ARM's remaining-request counters",
      async close() {
        await proxy.close()
        await fake.close()
        certificate.remove()
      },
    }
  },
}
