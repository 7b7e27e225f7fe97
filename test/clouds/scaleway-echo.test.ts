/**
 * A Scaleway (fake) that repeats every request back in its errors: the X-Auth-Token header and
 * the body (whose cloud-init holds the tunnel token), raw and base64. A real core is driven
 * through its dispatcher (a wrong secret, a good one, a refused cloud-init, a failing refresh)
 * and every output of main is collected: envelopes, events and every file in the data folder.
 * No secret key or tunnel token may appear in any of them; the project id (public) may.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AccountInfo, Host } from '../../src/shared/domain'
import { startFakeScaleway } from '../fakes/scaleway'
import { closeAfterEach } from '../support/cloud-service'
import { startEchoCore } from '../support/echo-core'

const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64').replace(/=+$/, ''), encodeURIComponent(secret), secret.slice(8, 32)]
const ACCESS_KEY = 'SCWQ4ZK7T2M9XPR5HB3N'

const closeLater = closeAfterEach()

describe('Scaleway echoing the request back', () => {
  it('leaves no secret key, access key or tunnel token in any envelope, event or file', async () => {
    const fake = closeLater(await startFakeScaleway({ echo: true, activateAfterMs: 0, deleteAfterMs: 0 }))
    const echo = closeLater(await startEchoCore('exitdesk-scw-echo-'))
    const { call } = echo

    const wrong = randomUUID()
    const credentials = { accessKey: ACCESS_KEY, secretKey: wrong, projectId: fake.projectId }
    expect(await call('accounts:add', { cloud: 'scaleway', label: 'Echo', endpoint: fake.url, credentials })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'scaleway', label: 'Echo', endpoint: fake.url, credentials: { ...credentials, secretKey: fake.secretKey } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The cloud-init (with the tunnel token) quoted back in a refusal, on every try.
    fake.setFailure({ method: 'PATCH', path: /\/user_data\/cloud-init$/, status: 400, type: 'invalid_arguments', times: 3 })
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'fr-par-1', plan: 'STARDUST1-S', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    await call('hosts:create', create('exit-echo-1'))
    for (let n = 0; n < 4; n++) await echo.core.hosts.refresh()
    fake.setFailure({ method: 'GET', path: '/instance/v1/zones/fr-par-1/servers', status: 500, times: 1 })
    await echo.core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = echo.tunnelTokens()
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'PATCH'))).toContain(tunnelTokens[0]!)

    const everything = await echo.everything()
    for (const secret of [wrong, fake.secretKey, ACCESS_KEY, ...tunnelTokens]) for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    // ... and not because nothing was echoed: Scaleway's words arrived with the secrets cut out.
    expect(everything).toContain('You sent X-Auth-Token: [redacted]')
    // The project id is public: it may name the account.
    expect(everything).toContain(fake.projectId)
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
