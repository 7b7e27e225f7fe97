/**
 * A Hetzner Cloud (fake) that repeats every request back in its errors: the Authorization
 * header and the body (whose user data holds the tunnel token), raw, base64 and URL-encoded.
 * A real core is driven through its dispatcher (a wrong token, a good one, a refused create, a
 * failing refresh) and every output of main is collected: envelopes, events and every file in
 * the data folder. No secret may appear in any of them, in any form the fake used.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AccountInfo, Host } from '../../src/shared/domain'
import { startFakeHetzner } from '../fakes/hetzner'
import { closeAfterEach } from '../support/cloud-service'
import { startEchoCore } from '../support/echo-core'

const hzToken = (): string => randomBytes(32).toString('base64url')
const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), Buffer.from(`Bearer ${secret}`).toString('base64').replace(/=+$/, ''), secret.slice(8, 32)]

const closeLater = closeAfterEach()

describe('Hetzner Cloud echoing the request back', () => {
  it('leaves no API token or tunnel token in any envelope, event or file', async () => {
    const fake = closeLater(await startFakeHetzner({ token: hzToken(), echo: true, activateAfterMs: 0, deleteAfterMs: 0 }))
    const echo = closeLater(await startEchoCore('exitdesk-hz-echo-'))
    const { call } = echo

    const wrong = hzToken()
    expect(await call('accounts:add', { cloud: 'hetzner', label: 'Echo', endpoint: fake.url, credentials: { token: wrong } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'hetzner', label: 'Echo', endpoint: fake.url, credentials: { token: fake.token } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The server create's body (user data with the tunnel token) quoted back in a 422.
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'hel1', plan: 'cx23', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', path: '/v1/servers', status: 422, code: 'invalid_input', times: 1 })
    expect(await call('hosts:create', create('exit-echo-1'))).toMatchObject({ ok: false, error: { code: 'unprocessable' } })
    expect((await call('hosts:create', create('exit-echo-2'))).ok).toBe(true)
    fake.setFailure({ method: 'GET', path: '/v1/servers', status: 500, times: 1 })
    await echo.core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = echo.tunnelTokens()
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(2)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/servers'))).toContain(tunnelTokens[0]!)

    const everything = await echo.everything()
    for (const secret of [wrong, fake.token, ...tunnelTokens]) for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    // ... and not because nothing was echoed: Hetzner's words arrived with the secrets cut out.
    expect(everything).toContain('You sent Authorization: Bearer [redacted]')
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
