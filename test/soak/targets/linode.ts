/** Linode: adapter -> fault proxy (Linode's error shapes) -> the stateful fake (Linodes, Cloud Firewalls, tags). */
import { createLinodeProvisioner } from '../../../src/main/clouds/linode'
import { APP_TAG } from '../../../src/main/hosts/tags'
import { startFakeLinode } from '../../fakes/linode'
import { startFaultProxy } from '../../support/fault-proxy'
import { linodeShape } from './rest-shapes'
import { hostOf, isChange, touch, type CloudModule } from './types'

const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)

export const linode: CloudModule = {
  cloud: 'linode',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createLinodeProvisioner({ timeoutMs }),
  killPoints: [
    { name: 'create: Linode made, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', /^\/v4\/linode\/instances$/) },
    { name: 'HTTPS create: between the firewall step and the Linode step', mode: 'https', phase: 'create', when: 'before', matches: at('POST', /^\/v4\/linode\/instances$/) },
    { name: 'HTTPS create: firewall made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /^\/v4\/networking\/firewalls$/) },
    { name: 'teardown: Linode DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /^\/v4\/linode\/instances\/\d+$/) },
    { name: 'teardown: Linode gone, before the firewall DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', /^\/v4\/networking\/firewalls\/\d+$/) },
    { name: 'teardown: firewall deleted, answer lost, before the tag DELETE', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /^\/v4\/networking\/firewalls\/\d+$/) },
  ],
  async start({ seed, clock, intercept, weights }) {
    // Linode's per-operation buckets stay on (the fake enforces them on the shared clock).
    const fake = await startFakeLinode({ clock, provisionAfterMs: 3_000, bootAfterMs: 2_000, deleteAfterMs: 3_000 })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights, shape: linodeShape(), giveUpMs: 3_000 })
    const hostTags = () => [...fake.state.tags].filter((tag) => tag !== APP_TAG)
    return {
      cloud: 'linode',
      region: 'fr-par',
      plan: 'g6-nanode-1',
      proxy,
      account: { cloud: 'linode', label: 'Soak', endpoint: proxy.url, credentials: { token: fake.token } },
      env: {},
      instances: () => [...fake.state.instances.values()].map((instance) => ({ id: String(instance.id), host: hostOf(instance.tags) })),
      firewalls: () => [...fake.state.firewalls.values()].map((f) => ({ id: String(f.id), host: hostOf([f.label, ...f.tags]) })),
      async leftovers() {
        await touch(`${fake.url}/v4/profile`, { authorization: `Bearer ${fake.token}` })
        const instances = [...fake.state.instances.values()]
        const firewalls = [...fake.state.firewalls.values()]
        const tags = hostTags()
        return {
          instances: instances.length,
          firewalls: firewalls.length,
          tags: tags.length,
          others: fake.state.stackscripts.size,
          detail: [
            ...instances.map((i) => `Linode ${i.id} ${i.status} [${i.tags.join(' ')}]`),
            ...firewalls.map((f) => `firewall ${f.id} ${f.label} [${f.tags.join(' ')}]`),
            ...tags.map((tag) => `tag ${tag}`),
            ...[...fake.state.stackscripts.values()].map((s) => `StackScript ${s.label}`),
          ],
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      limitsEnforced: "Linode's per-operation buckets",
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
