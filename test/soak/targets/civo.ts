/**
 * Civo: adapter -> fault proxy (Civo's error shapes) -> the stateful fake (instances with the
 * public IP made with them, firewalls named after the host tag, and their rules). Every host gets
 * a firewall of its own, in TCP mode too.
 */
import { createCivoProvisioner } from '../../../src/main/clouds/civo'
import { HOST_TAG_PREFIX } from '../../../src/main/hosts/tags'
import { startFakeCivo } from '../../fakes/civo'
import { startFaultProxy } from '../../support/fault-proxy'
import { civoShape } from './rest-shapes'
import { hostOf, isChange, type CloudModule } from './types'

// The adapter's paths carry /v2 themselves; its endpoint is https://api.civo.com in production, the proxy's origin here.
const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)

export const civo: CloudModule = {
  cloud: 'civo',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createCivoProvisioner({ timeoutMs }),
  othersPerHost: 1, // the public IPv4 made with the instance (`public_ip: "create"`)
  killPoints: [
    { name: 'create: instance made, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', /^\/v2\/instances$/) },
    { name: 'HTTPS create: between the firewall step and the instance step', mode: 'https', phase: 'create', when: 'before', matches: at('POST', /^\/v2\/instances$/) },
    { name: 'HTTPS create: firewall made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /^\/v2\/firewalls$/) },
    { name: 'HTTPS create: a firewall rule made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /^\/v2\/firewalls\/[^/]+\/rules$/) },
    { name: 'teardown: instance DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /^\/v2\/instances\/[^/]+$/) },
    { name: 'teardown: instance gone, before the firewall DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', /^\/v2\/firewalls\/[^/]+$/) },
  ],
  async start({ seed, clock, intercept, weights }) {
    const fake = await startFakeCivo({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000 })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights, shape: civoShape(), giveUpMs: 3_000 })
    return {
      cloud: 'civo',
      region: 'LON1',
      plan: 'g4s.xsmall',
      proxy,
      account: { cloud: 'civo', label: 'Soak', endpoint: proxy.url, credentials: { token: fake.token } },
      env: {},
      instances: () => [...fake.state.instances.values()].map((instance) => ({ id: instance.id, host: hostOf(instance.tags) })),
      // Firewalls carry no tags: a host's is named after its host tag.
      firewalls: () => [...fake.state.firewalls.values()].map((f) => ({ id: f.id, host: hostOf([f.name]) })),
      made() {
        const counts = new Map<string, number>()
        for (const request of fake.requests) {
          if (request.method !== 'POST' || request.path !== '/v2/instances' || request.status !== 200) continue
          const tag = String((request.body as { tags?: unknown } | undefined)?.tags ?? '')
            .split(/\s+/)
            .find((candidate) => candidate.startsWith(HOST_TAG_PREFIX))
          if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1)
        }
        return counts
      },
      async leftovers() {
        fake.settle()
        const instances = [...fake.state.instances.values()]
        const firewalls = [...fake.state.firewalls.values()]
        const ips = [...fake.state.ips.values()]
        return {
          instances: instances.length,
          firewalls: firewalls.length,
          tags: 0, // tags live on the instance
          others: ips.length,
          detail: [
            ...instances.map((i) => `instance ${i.id} ${i.deleteRequestedAtMs !== undefined ? 'DELETING' : i.status} ${i.hostname} [${i.tags.join(' ')}]`),
            ...firewalls.map((f) => `firewall ${f.id} ${f.name} (${f.rules.length} rules)`),
            ...ips.map((ip) => `public IP ${ip.address} of instance ${ip.instanceId}`),
          ],
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      limitsEnforced: 'none (Civo documents none)',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
