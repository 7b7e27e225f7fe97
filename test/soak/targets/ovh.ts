/**
 * OVHcloud: adapter -> fault proxy (OVH's error shapes) -> the stateful fake (instances only: OVH's
 * API has no firewall, and the host tag lives in the instance name). Every request but
 * GET /auth/time is signed over the URL the client used, its body and a timestamp: the proxy
 * keeps the Host header (`preserveHost`) and forwards the path, query and raw body unchanged, so
 * the fake recomputes the same signature; it answers 400 INVALID_SIGNATURE otherwise (counted in
 * `signatureRefusals`: none may be an altered one). The fake's API clock runs 15 minutes behind
 * this machine's, so the adapter must sign with the delta it measured from /auth/time.
 */
import { createOvhProvisioner } from '../../../src/main/clouds/ovh'
import { tagsFromName } from '../../../src/main/clouds/ovh/naming'
import { HOST_TAG_PREFIX } from '../../../src/main/hosts/tags'
import { startFakeOvh } from '../../fakes/ovh'
import { startFaultProxy } from '../../support/fault-proxy'
import { ovhShape } from './rest-shapes'
import { hostOf, isChange, type CloudModule } from './types'

// The adapter's paths are relative to its endpoint (https://eu.api.ovh.com/1.0 in production, the proxy's /1.0 here).
const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)
const INSTANCES = '^/1\\.0/cloud/project/[^/]+/instance'

export const ovh: CloudModule = {
  cloud: 'ovh',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createOvhProvisioner({ timeoutMs }),
  noFirewall: "OVH's API has no firewall for instances (security groups exist only through OpenStack Neutron); the instance is all a host makes",
  othersPerHost: 0,
  killPoints: [
    { name: 'create: instance made, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', new RegExp(`${INSTANCES}$`)) },
    { name: 'HTTPS create: instance made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', new RegExp(`${INSTANCES}$`)) },
    { name: 'teardown: instance DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', new RegExp(`${INSTANCES}/[^/]+$`)) },
  ],
  async start({ seed, clock, intercept, weights }) {
    const fake = await startFakeOvh({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000, clockSkewSeconds: -900 })
    const proxy = await startFaultProxy({ target: fake.url.replace(/\/1\.0$/, ''), seed, clock, intercept, weights, shape: ovhShape(), giveUpMs: 3_000, preserveHost: true })
    const hostOfName = (name: string) => hostOf(tagsFromName(name))
    return {
      cloud: 'ovh',
      region: 'GRA11',
      plan: 'd2-2',
      proxy,
      account: { cloud: 'ovh', label: 'Soak', endpoint: `${proxy.url}/1.0`, credentials: { ...fake.credentials } },
      env: {},
      instances: () => [...fake.state.instances.values()].map((instance) => ({ id: instance.id, host: hostOfName(instance.name) })),
      firewalls: () => [],
      made() {
        const counts = new Map<string, number>()
        for (const request of fake.requests) {
          if (request.method !== 'POST' || !/^\/cloud\/project\/[^/]+\/instance$/.test(request.path) || request.status !== 200) continue
          const tag = tagsFromName(String((request.body as { name?: unknown } | undefined)?.name ?? '')).find((candidate) => candidate.startsWith(HOST_TAG_PREFIX))
          if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1)
        }
        return counts
      },
      async leftovers() {
        fake.settle()
        const instances = [...fake.state.instances.values()]
        return {
          instances: instances.length,
          firewalls: 0,
          tags: 0, // the tags are the instance's name
          others: 0,
          detail: instances.map((i) => `instance ${i.id} ${i.deleteRequestedAtMs !== undefined ? 'DELETING' : 'live'} ${i.name}`),
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      signatureRefusals: () => ({ altered: fake.requests.filter((r) => r.refused === 'signature').length, stale: fake.requests.filter((r) => r.refused === 'timestamp').length }),
      limitsEnforced: 'none (OVH documents none)',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
