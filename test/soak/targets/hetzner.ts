/** Hetzner Cloud: adapter -> fault proxy (Hetzner's error shapes) -> the stateful fake (servers, firewalls, primary IPs). */
import { createHetznerProvisioner, MARKER_NAME } from '../../../src/main/clouds/hetzner'
import { startFakeHetzner } from '../../fakes/hetzner'
import { startFaultProxy } from '../../support/fault-proxy'
import { hetznerShape } from './rest-shapes'
import { hostOf, isChange, type CloudModule } from './types'

// The adapter's paths are relative to its endpoint (…/v1 in production, the proxy's origin here).
const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)

export const hetzner: CloudModule = {
  cloud: 'hetzner',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createHetznerProvisioner({ timeoutMs }),
  killPoints: [
    { name: 'create: server made, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', /\/servers$/) },
    { name: 'HTTPS create: between the firewall step and the server step', mode: 'https', phase: 'create', when: 'before', matches: at('POST', /\/servers$/) },
    { name: 'HTTPS create: firewall made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /\/firewalls$/) },
    { name: 'teardown: server DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /\/servers\/\d+$/) },
    { name: 'teardown: server gone, before the firewall DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', /\/firewalls\/\d+$/) },
  ],
  async start({ seed, clock, intercept, weights }) {
    // The fake's request budget is all-time (not per hour): set out of the way for a long run.
    const fake = await startFakeHetzner({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000, requestBudget: Number.MAX_SAFE_INTEGER })
    // The fake answers paths with and without /v1; the proxy forwards to its origin.
    const proxy = await startFaultProxy({ target: fake.url.replace(/\/v1$/, ''), seed, clock, intercept, weights, shape: hetznerShape(), giveUpMs: 3_000 })
    const hostFirewalls = () => [...fake.state.firewalls.values()].filter((firewall) => firewall.name !== MARKER_NAME)
    return {
      cloud: 'hetzner',
      region: 'hel1',
      plan: 'cx23',
      proxy,
      account: { cloud: 'hetzner', label: 'Soak', endpoint: proxy.url, credentials: { token: fake.token } },
      env: {},
      instances: () => [...fake.state.servers.values()].map((server) => ({ id: String(server.id), host: hostOf(Object.keys(server.labels)) })),
      firewalls: () => hostFirewalls().map((f) => ({ id: String(f.id), host: hostOf([f.name, ...Object.keys(f.labels)]) })),
      async leftovers() {
        fake.settle()
        const servers = [...fake.state.servers.values()]
        const firewalls = hostFirewalls()
        const ips = [...fake.state.primaryIps.values()]
        return {
          instances: servers.length,
          firewalls: firewalls.length,
          tags: 0, // labels live on the resources themselves
          others: ips.length,
          detail: [
            ...servers.map((s) => `server ${s.id} ${s.status} [${Object.keys(s.labels).join(' ')}]`),
            ...firewalls.map((f) => `firewall ${f.id} ${f.name} [${Object.keys(f.labels).join(' ')}]`),
            ...ips.map((ip) => `primary IP ${ip.id} ${ip.ip} (assigned to ${ip.assigneeId ?? 'nothing'})`),
          ],
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      limitsEnforced: 'none (its budget is set out of the way)',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
