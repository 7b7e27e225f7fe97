/**
 * Google Compute Engine: adapter -> fault proxy (Google's error shapes) -> the stateful fake
 * (instances, firewall rules, operations, addresses). The SDK reaches the plain-http fake with a
 * static bearer token (the real path signs one with the key); the SIGKILL child gets the token
 * in EXITDESK_CHILD_GCE_TOKEN.
 */
import { OAuth2Client } from 'google-auth-library'
import { createGceProvisioner } from '../../../src/main/clouds/gce'
import { startFakeGce } from '../../fakes/gce'
import { startFaultProxy } from '../../support/fault-proxy'
import { gceShape } from './rest-shapes'
import { hostOf, isChange, touch, type CloudModule } from './types'

const at = (method: string, path: RegExp) => (r: { method: string; path: string }) => r.method === method && path.test(r.path)

function staticToken(token: string): OAuth2Client {
  const client = new OAuth2Client()
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 24 * 3600_000 })
  return client
}

export const gce: CloudModule = {
  cloud: 'gce',
  soakTimeoutMs: 400,
  changes: isChange,
  provisioner: ({ timeoutMs, env }) => {
    const token = env.EXITDESK_CHILD_GCE_TOKEN
    if (!token) throw new Error('EXITDESK_CHILD_GCE_TOKEN: the fake GCE token is needed')
    return createGceProvisioner({ credentialFor: () => staticToken(token), timeoutMs })
  },
  killPoints: [
    { name: 'create: instance insert accepted, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: at('POST', /\/zones\/[^/]+\/instances$/) },
    { name: 'HTTPS create: between the firewall rule step and the instance step', mode: 'https', phase: 'create', when: 'before', matches: at('POST', /\/zones\/[^/]+\/instances$/) },
    { name: 'HTTPS create: firewall rule insert accepted, answer lost', mode: 'https', phase: 'create', when: 'after', matches: at('POST', /\/global\/firewalls$/) },
    { name: 'teardown: instance DELETE accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: at('DELETE', /\/zones\/[^/]+\/instances\/[^/]+$/) },
    { name: 'teardown: instance gone, before the firewall rule DELETE', mode: 'https', phase: 'teardown', when: 'before', matches: at('DELETE', /\/global\/firewalls\/[^/]+$/) },
  ],
  async start({ seed, clock, intercept, weights }) {
    const fake = await startFakeGce({ clock, operationMs: 4_000, stagingAfterMs: 3_000, runningAfterMs: 10_000, deleteAfterMs: 4_000 })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights, shape: gceShape(), giveUpMs: 3_000 })
    return {
      cloud: 'gce',
      region: 'us-central1-a',
      plan: 'e2-micro',
      proxy,
      account: { cloud: 'gce', label: 'Soak', endpoint: proxy.url, credentials: { serviceAccountKey: JSON.stringify(fake.newKey()), projectId: fake.project } },
      env: { EXITDESK_CHILD_GCE_TOKEN: fake.token },
      instances: () => [...fake.state.instances.values()].map((instance) => ({ id: instance.id, host: hostOf(Object.values(instance.labels)) })),
      firewalls: () => [...fake.state.firewalls.values()].map((f) => ({ id: f.id, host: hostOf([f.name]) })),
      async leftovers() {
        await touch(`${fake.url}/compute/v1/projects/${fake.project}/global/firewalls`, { authorization: `Bearer ${fake.token}` })
        const instances = [...fake.state.instances.values()]
        const firewalls = [...fake.state.firewalls.values()]
        const addresses = [...fake.state.addresses.keys()]
        return {
          instances: instances.length,
          firewalls: firewalls.length,
          tags: 0, // labels and network tags live on the instance
          others: addresses.length,
          detail: [...instances.map((i) => `instance ${i.name} ${fake.statusOf(i)} [${Object.values(i.labels).join(' ')}]`), ...firewalls.map((f) => `firewall rule ${f.name}`), ...addresses.map((a) => `address ${a}`)],
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
