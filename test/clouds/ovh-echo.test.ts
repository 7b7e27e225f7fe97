/**
 * An OVHcloud API (fake) that repeats every request back in its errors: the application key and
 * consumer key headers and the body (whose userData holds the tunnel token), raw, base64 and
 * URL-encoded. A real core is driven through its dispatcher (a wrong secret, a good one, a refused
 * create, a failing refresh) and every output of main is collected: envelopes, events and every
 * file in the data folder. No key, secret or tunnel token may appear in any of them.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AccountInfo, Host } from '../../src/shared/domain'
import { startFakeOvh } from '../fakes/ovh'
import { closeAfterEach } from '../support/cloud-service'
import { startEchoCore } from '../support/echo-core'

const key = (): string => randomBytes(24).toString('base64url')
const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), secret.slice(8, 30)]

const closeLater = closeAfterEach()

describe('OVHcloud echoing the request back', () => {
  it('leaves no application key, secret, consumer key or tunnel token in any envelope, event or file', async () => {
    const fake = closeLater(await startFakeOvh({ applicationKey: key(), applicationSecret: key(), consumerKey: key(), echo: true, activateAfterMs: 0, deleteAfterMs: 0, clockSkewSeconds: 300 }))
    const echo = closeLater(await startEchoCore('exitdesk-ovh-echo-'))
    const { call } = echo

    const wrongSecret = key()
    const wrongConsumer = key()
    expect(await call('accounts:add', { cloud: 'ovh', label: 'Echo', endpoint: fake.url, credentials: { ...fake.credentials, applicationSecret: wrongSecret } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(await call('accounts:add', { cloud: 'ovh', label: 'Echo', endpoint: fake.url, credentials: { ...fake.credentials, consumerKey: wrongConsumer } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'ovh', label: 'Echo', endpoint: fake.url, credentials: { ...fake.credentials } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The instance create's body (userData with the tunnel token) quoted back in a 400.
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'GRA11', plan: 'd2-2', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', status: 400, message: 'Invalid userData', times: 1 })
    expect(await call('hosts:create', create('exit-echo-1'))).toMatchObject({ ok: false, error: { code: 'unprocessable' } })
    expect((await call('hosts:create', create('exit-echo-2'))).ok).toBe(true)
    fake.setFailure({ method: 'GET', path: /\/instance$/, status: 500, times: 1 })
    await echo.core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = echo.tunnelTokens()
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(2)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'POST'))).toContain(tunnelTokens[0]!)

    const everything = await echo.everything()
    const { applicationKey, applicationSecret, consumerKey } = fake.credentials
    for (const secret of [applicationKey, applicationSecret, consumerKey, wrongSecret, wrongConsumer, ...tunnelTokens]) {
      for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    }
    // ... and not because nothing was echoed: OVH's words arrived with the keys cut out; the project id is public and stays.
    expect(everything).toContain('You sent X-Ovh-Application: [redacted]')
    expect(everything).toContain(fake.projectId)
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
