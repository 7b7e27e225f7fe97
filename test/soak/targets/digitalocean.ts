/**
 * DigitalOcean: the adapter -> the fault proxy (DigitalOcean's own error shapes, its default) ->
 * the stateful fake. The soak keeps its own DigitalOcean target (test/soak/driver.ts
 * `digitalOceanTarget`, with the fake enforcing the documented limits); this module serves the
 * SIGKILL test, with the six kill points it has always had.
 */
import { createDigitalOceanProvisioner } from '../../../src/main/clouds/digitalocean'
import { APP_TAG, HOST_TAG_PREFIX } from '../../../src/main/hosts/tags'
import { startFakeDigitalOcean } from '../../fakes/digitalocean'
import { startFaultProxy } from '../../support/fault-proxy'
import { hostOf, isChange, touch, type CloudModule } from './types'

export const digitalocean: CloudModule = {
  cloud: 'digitalocean',
  soakTimeoutMs: 100,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createDigitalOceanProvisioner({ timeoutMs }),
  killPoints: [
    { name: 'create: droplet made, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: (r) => r.method === 'POST' && /^\/v2\/droplets$/.test(r.path) },
    { name: 'HTTPS create: between the firewall step and the droplet step', mode: 'https', phase: 'create', when: 'before', matches: (r) => r.method === 'POST' && /^\/v2\/droplets$/.test(r.path) },
    { name: 'HTTPS create: firewall made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: (r) => r.method === 'POST' && /^\/v2\/firewalls$/.test(r.path) },
    { name: 'teardown: droplet DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: (r) => r.method === 'DELETE' && /^\/v2\/droplets\/\d+$/.test(r.path) },
    { name: 'teardown: droplet gone, before the firewall DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: (r) => r.method === 'DELETE' && /^\/v2\/firewalls\//.test(r.path) },
    { name: 'teardown: firewall deleted, answer lost, before the tag DELETE', mode: 'https', phase: 'teardown', when: 'after', matches: (r) => r.method === 'DELETE' && /^\/v2\/firewalls\//.test(r.path) },
  ],
  async start({ seed, clock, intercept, weights }) {
    const fake = await startFakeDigitalOcean({ clock, activateAfterMs: 4_000, deleteAfterMs: 3_000, requestBudget: Number.MAX_SAFE_INTEGER })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights })
    return {
      cloud: 'digitalocean',
      region: 'lon1',
      plan: 's-1vcpu-512mb-10gb',
      proxy,
      account: { cloud: 'digitalocean', label: 'Soak', endpoint: proxy.url, credentials: { token: fake.token } },
      env: {},
      instances: () => [...fake.state.droplets.values()].map((d) => ({ id: String(d.id), host: hostOf(d.tags) })),
      firewalls: () => [...fake.state.firewalls.values()].map((f) => ({ id: String(f.id), host: hostOf([f.name]) })),
      made() {
        const made = new Map<string, number>()
        for (const request of fake.requests) {
          if (request.method !== 'POST' || request.path !== '/v2/droplets' || request.status !== 202) continue
          const tag = ((request.body as { tags?: string[] }).tags ?? []).find((t) => t.startsWith(HOST_TAG_PREFIX))
          if (tag) made.set(tag, (made.get(tag) ?? 0) + 1)
        }
        return made
      },
      async leftovers() {
        await touch(`${fake.url}/v2/account`, { authorization: `Bearer ${fake.token}` })
        const droplets = [...fake.state.droplets.values()]
        const firewalls = [...fake.state.firewalls.values()]
        const tags = [...fake.state.tags].filter((tag) => tag !== APP_TAG)
        return {
          instances: droplets.length,
          firewalls: firewalls.length,
          tags: tags.length,
          others: 0,
          detail: [...droplets.map((d) => `droplet ${d.id} [${d.tags.join(' ')}]`), ...firewalls.map((f) => `firewall ${f.name}`), ...tags.map((t) => `tag ${t}`)],
        }
      },
      providerRateLimited: () => fake.tooManyRequests(),
      limitsEnforced: 'none (the SIGKILL fake)',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
