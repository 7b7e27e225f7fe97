/** Vultr: adapter -> fault proxy (Vultr's error shapes) -> the stateful fake (instances, firewall groups and their rules). */
import { ACCOUNT_MARKER, createVultrProvisioner } from '../../../src/main/clouds/vultr'
import { startFakeVultr } from '../../fakes/vultr'
import { startFaultProxy } from '../../support/fault-proxy'
import { vultrShape } from './rest-shapes'
import { hostOf, isChange, touch, type CloudModule } from './types'

// The adapter's paths are relative to its endpoint (…/v2 in production, the proxy's origin here).
const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)

export const vultr: CloudModule = {
  cloud: 'vultr',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createVultrProvisioner({ timeoutMs }),
  killPoints: [
    { name: 'create: instance made, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', /\/instances$/) },
    { name: 'HTTPS create: between the firewall group step and the instance step', mode: 'https', phase: 'create', when: 'before', matches: at('POST', /\/instances$/) },
    { name: 'HTTPS create: firewall group made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /\/firewalls$/) },
    { name: 'HTTPS create: a firewall rule made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /\/firewalls\/[^/]+\/rules$/) },
    { name: 'teardown: instance DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /\/instances\/[^/]+$/) },
    { name: 'teardown: instance gone, before the firewall group DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', /\/firewalls\/[^/]+$/) },
  ],
  async start({ seed, clock, intercept, weights }) {
    const fake = await startFakeVultr({ clock, activateAfterMs: 3_000, okAfterMs: 6_000, deleteAfterMs: 4_000 })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights, shape: vultrShape(), giveUpMs: 3_000 })
    const hostGroups = () => [...fake.state.groups.values()].filter((group) => group.description !== ACCOUNT_MARKER)
    return {
      cloud: 'vultr',
      region: 'lhr',
      plan: 'vc2-1c-1gb',
      proxy,
      account: { cloud: 'vultr', label: 'Soak', endpoint: proxy.url, credentials: { token: fake.token } },
      env: {},
      instances: () => [...fake.state.instances.values()].map((instance) => ({ id: instance.id, host: hostOf(instance.tags) })),
      // A host's group is named by its description, the host tag.
      firewalls: () => hostGroups().map((g) => ({ id: g.id, host: hostOf([g.description]) })),
      async leftovers() {
        await touch(`${fake.url}/account`, { authorization: `Bearer ${fake.token}` })
        const instances = [...fake.state.instances.values()]
        const groups = hostGroups()
        return {
          instances: instances.length,
          // A group's rules go with it: a group left is counted once.
          firewalls: groups.length,
          tags: 0, // Vultr tags live on the instance
          others: instances.filter((i) => i.scriptId !== undefined).length,
          detail: [...instances.map((i) => `instance ${i.id} ${i.label} [${i.tags.join(' ')}]`), ...groups.map((g) => `firewall group ${g.id} "${g.description}" (${g.rules.length} rules)`)],
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      limitsEnforced: 'none',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
