/**
 * A Civo (fake) that repeats every request back in its errors: the Authorization header and the
 * body (whose start-up script holds the tunnel token), raw and base64-encoded. A real core is
 * driven through its dispatcher (a wrong key, a good one, a refused create, a failing refresh)
 * and every output of main is collected: envelopes, events and every file in the data folder.
 * No secret may appear in any of them; and a host created through the core goes active and is
 * torn down leaving nothing in the fake.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AccountInfo, Host } from '../../src/shared/domain'
import { startFakeCivo } from '../fakes/civo'
import { closeAfterEach } from '../support/cloud-service'
import { startEchoCore } from '../support/echo-core'

const civoKey = (): string => randomBytes(30).toString('base64url')
const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), Buffer.from(`bearer ${secret}`).toString('base64').replace(/=+$/, ''), secret.slice(8, 32)]

const closeLater = closeAfterEach()

describe('Civo echoing the request back, through the core', () => {
  it('leaves no API key or tunnel token in any envelope, event or file', async () => {
    const fake = closeLater(await startFakeCivo({ token: civoKey(), echo: true, activateAfterMs: 0, deleteAfterMs: 0 }))
    const echo = closeLater(await startEchoCore('exitdesk-civo-echo-'))
    const { call } = echo

    const wrong = civoKey()
    expect(await call('accounts:add', { cloud: 'civo', label: 'Echo', endpoint: fake.url, credentials: { token: wrong } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'civo', label: 'Echo', endpoint: fake.url, credentials: { token: fake.token } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The instance create's body (the script with the tunnel token) quoted back in a 400.
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'LON1', plan: 'g4s.xsmall', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', path: '/v2/instances', status: 400, code: 'parameter_invalid', times: 1 })
    await call('hosts:create', create('exit-echo-1'))
    expect((await call('hosts:create', create('exit-echo-2'))).ok).toBe(true)
    for (let n = 0; n < 10 && fake.state.instances.size < 2; n++) await echo.core.hosts.refresh()
    fake.setFailure({ method: 'GET', path: '/v2/instances', status: 500, times: 1 })
    await echo.core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = echo.tunnelTokens()
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(2)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances'))).toContain(tunnelTokens[0]!)

    const everything = await echo.everything()
    for (const secret of [wrong, fake.token, ...tunnelTokens]) for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    // ... and not because nothing was echoed: Civo's words arrived with the secrets cut out.
    expect(everything).toContain('You sent Authorization: bearer [redacted]')
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
