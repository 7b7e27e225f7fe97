/**
 * Scaleway: adapter -> fault proxy (Scaleway's error shapes) -> the stateful fake (servers, their
 * local volumes, flexible IPs, security groups). A server is made `stopped`; its tags, cloud-init
 * and power-on are later recorded steps, each a kill point of its own.
 */
import { createScalewayProvisioner } from '../../../src/main/clouds/scaleway'
import { HOST_TAG_PREFIX } from '../../../src/main/hosts/tags'
import { startFakeScaleway } from '../../fakes/scaleway'
import { startFaultProxy, type ProxiedRequest } from '../../support/fault-proxy'
import { scalewayShape } from './rest-shapes'
import { hostOf, isChange, type CloudModule } from './types'

// The adapter's paths are relative to its endpoint (https://api.scaleway.com in production, the proxy's origin here).
const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)
const ZONE = '/instance/v1/zones/[^/]+'
const action = (name: string) => (r: ProxiedRequest) => at('POST', new RegExp(`^${ZONE}/servers/[^/]+/action$`))(r) && (r.body as { action?: unknown } | undefined)?.action === name

export const scaleway: CloudModule = {
  cloud: 'scaleway',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs }) => createScalewayProvisioner({ timeoutMs }),
  othersPerHost: 2, // its flexible IPv4 and its local root volume
  killPoints: [
    { name: 'create: server made (stopped), answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', new RegExp(`^${ZONE}/servers$`)) },
    { name: 'create: server made and tagged, before its cloud-init', mode: 'tcp', phase: 'create', when: 'before', matches: at('PATCH', new RegExp(`^${ZONE}/servers/[^/]+/user_data/cloud-init$`)) },
    { name: 'create: cloud-init set, answer lost, before the power-on', mode: 'tcp', phase: 'create', when: 'after', matches: at('PATCH', new RegExp(`^${ZONE}/servers/[^/]+/user_data/cloud-init$`)) },
    { name: 'create: power-on carried out, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: action('poweron') },
    { name: 'HTTPS create: security group made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', new RegExp(`^${ZONE}/security_groups$`)) },
    { name: 'HTTPS create: flexible IP made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', new RegExp(`^${ZONE}/ips$`)) },
    { name: 'teardown: server terminate accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: action('terminate') },
    { name: 'teardown: server gone, before the flexible IP DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', new RegExp(`^${ZONE}/ips/[^/]+$`)) },
    { name: 'teardown: flexible IP gone, before the security group DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', new RegExp(`^${ZONE}/security_groups/[^/]+$`)) },
  ],
  async start({ seed, clock, intercept, weights }) {
    // No request budget: the fake's is all-time (not per hour) and off by default.
    const fake = await startFakeScaleway({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000 })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights, shape: scalewayShape(), giveUpMs: 3_000 })
    return {
      cloud: 'scaleway',
      region: 'fr-par-1',
      plan: 'STARDUST1-S',
      proxy,
      // The access key is only checked for its shape (the secret key authenticates).
      account: { cloud: 'scaleway', label: 'Soak', endpoint: proxy.url, credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId } },
      env: {},
      // A server carries the host tag from its create on (the app tag follows a step later).
      instances: () => [...fake.state.servers.values()].map((server) => ({ id: server.id, host: hostOf(server.tags) })),
      firewalls: () => [...fake.state.groups.values()].map((group) => ({ id: group.id, host: hostOf([...group.tags, group.name]) })),
      made() {
        const counts = new Map<string, number>()
        for (const request of fake.requests) {
          if (request.method !== 'POST' || !/^\/instance\/v1\/zones\/[^/]+\/servers$/.test(request.path) || request.status !== 201) continue
          const tag = ((request.body as { tags?: string[] } | undefined)?.tags ?? []).find((candidate) => candidate.startsWith(HOST_TAG_PREFIX))
          if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1)
        }
        return counts
      },
      async leftovers() {
        fake.settle()
        const servers = [...fake.state.servers.values()]
        const groups = [...fake.state.groups.values()]
        const ips = [...fake.state.ips.values()]
        const volumes = [...fake.state.volumes.values()]
        return {
          instances: servers.length,
          firewalls: groups.length,
          tags: 0, // tags live on the resources themselves
          others: ips.length + volumes.length,
          detail: [
            ...servers.map((s) => `server ${s.id} ${s.state} [${s.tags.join(' ')}]`),
            ...groups.map((g) => `security group ${g.id} ${g.name} [${g.tags.join(' ')}]`),
            ...ips.map((ip) => `flexible IP ${ip.id} ${ip.address} [${ip.tags.join(' ')}] (attached to ${ip.serverId ?? 'nothing'})`),
            ...volumes.map((v) => `volume ${v.id} (attached to ${v.serverId ?? 'nothing'})`),
          ],
        }
      },
      providerRateLimited: () => fake.requests.filter((r) => r.status === 429).length,
      limitsEnforced: 'none (Scaleway documents none for the Instance API)',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
