import { describe, expect, it } from 'vitest'
import { createDispatcher, type Handlers } from '../../src/main/dispatch'
import { generateTunnelToken } from '../../src/main/tunnel/token'
import { buildUserData } from '../../src/main/tunnel/userdata'
import { tunnelInputSchema } from '../../src/shared/contract'
import { AppError } from '../../src/shared/errors'

function handlers(overrides: Partial<Handlers> = {}): { handlers: Handlers; calls: string[] } {
  const calls: string[] = []
  const record = (name: string) => async () => {
    calls.push(name)
    return {} as never
  }
  const all = Object.fromEntries(
    ['app:status', 'clouds:list', 'clouds:catalog', 'accounts:list', 'accounts:add', 'accounts:verify', 'accounts:remove', 'hosts:list', 'hosts:create', 'hosts:delete', 'hosts:client-command'].map((c) => [c, record(c)]),
  ) as unknown as Handlers
  return { handlers: { ...all, ...overrides }, calls }
}

const goodCreate = {
  requestId: '0b0c4c3e-4d0a-4b8e-9a53-0d7b8a3c1f10',
  accountId: 'simulated',
  name: 'exit-1',
  region: 'sim-local-1',
  plan: 'sim-nano',
  tunnel: { mode: 'https', inletsVersion: '0.11.14', domains: ['a.example.com'] },
}

describe('the dispatcher (both bridges call it)', () => {
  it('refuses bad input naming the field, and never reaches the handler', async () => {
    const { handlers: h, calls } = handlers()
    const dispatch = createDispatcher(h)
    const cases: Array<[unknown, string]> = [
      [{ ...goodCreate, requestId: 'nope' }, 'requestId'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, domains: ['ok.example.com', 'bad domain;rm'] } }, 'tunnel.domains.1'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, domains: [] } }, 'tunnel.domains'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, letsEncryptEmail: 'me@example.com' } }, 'tunnel.letsEncryptEmail'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, inletsVersion: '999.999.999' } }, 'tunnel.inletsVersion'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, inletsVersion: '1.0.0$(id)' } }, 'tunnel.inletsVersion'],
      [{ ...goodCreate, accountId: undefined }, 'accountId'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, mode: 'udp' } }, 'tunnel.mode'],
    ]
    for (const [input, field] of cases) {
      const result = await dispatch('hosts:create', input)
      expect(result.ok).toBe(false)
      if (!result.ok) {
        expect(result.error.code).toBe('invalid-input')
        expect(result.error.field).toBe(field)
        expect(result.error.message.startsWith(field)).toBe(true)
      }
    }
    expect(calls).toEqual([])
    expect((await dispatch('hosts:create', goodCreate)).ok).toBe(true)
    expect(calls).toEqual(['hosts:create'])
  })

  it('refuses a Let\'s Encrypt e-mail by name: inlets-pro no longer takes one', async () => {
    const dispatch = createDispatcher(handlers().handlers)
    const result = await dispatch('hosts:create', { ...goodCreate, tunnel: { ...goodCreate.tunnel, letsEncryptEmail: 'ops@example.com' } })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'tunnel.letsEncryptEmail' } })
    if (!result.ok) expect(result.error.message).toMatch(/^tunnel\.letsEncryptEmail is no longer used: inlets-pro removed the --letsencrypt-email flag/)
  })

  it('refuses 999.999.999 with a sentence naming tunnel.inletsVersion, and takes a plausible newer release', async () => {
    let received: unknown
    const capture = handlers({
      'hosts:create': async (input) => {
        received = input
        return {} as never
      },
    })
    const dispatch = createDispatcher(capture.handlers)
    const refused = await dispatch('hosts:create', { ...goodCreate, tunnel: { ...goodCreate.tunnel, inletsVersion: '999.999.999' } })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'tunnel.inletsVersion' } })
    if (!refused.ok) expect(refused.error.message).toMatch(/^tunnel\.inletsVersion 999\.999\.999 is not a known inlets-pro release/)
    expect(received).toBeUndefined()

    expect((await dispatch('hosts:create', { ...goodCreate, tunnel: { ...goodCreate.tunnel, inletsVersion: '0.11.15' } })).ok).toBe(true)
    expect((received as { tunnel: { inletsVersion: string } }).tunnel.inletsVersion).toBe('0.11.15')
  })

  it('every inlets-pro version the contract accepts is one the cloud-init builder accepts, and the reverse', () => {
    for (const inletsVersion of ['0.11.5', '0.11.13', '0.11.14', '0.11.15', '0.12.0', '0.11.7', '0.13.0', '999.999.999', '0.10.3']) {
      const contract = tunnelInputSchema.safeParse({ ...goodCreate.tunnel, inletsVersion })
      let builder = true
      try {
        buildUserData({ ...goodCreate.tunnel, mode: 'https', letsEncryptIssuer: 'prod', inletsVersion, token: generateTunnelToken() })
      } catch {
        builder = false
      }
      expect(builder, inletsVersion).toBe(contract.success)
    }
  })

  it('refuses unexpected fields on channels without input', async () => {
    const dispatch = createDispatcher(handlers().handlers)
    const result = await dispatch('hosts:list', { sneaky: true })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
  })

  it('answers an unknown channel with an envelope, not an exception', async () => {
    const dispatch = createDispatcher(handlers().handlers)
    expect(await dispatch('fs:readFile', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } })
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } })
  })

  it('passes an AppError through and hides anything else behind a plain sentence', async () => {
    const failing = handlers({
      'hosts:list': async () => {
        throw new AppError({ code: 'rate-limited', message: 'Slow down.', providerMessage: 'Too many requests', retryable: true })
      },
      'accounts:list': async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'token') at /secret/path.ts:12")
      },
    })
    const dispatch = createDispatcher(failing.handlers)
    expect(await dispatch('hosts:list', {})).toEqual({ ok: false, error: { code: 'rate-limited', message: 'Slow down.', providerMessage: 'Too many requests', retryable: true } })
    const hidden = await dispatch('accounts:list', {})
    expect(hidden).toMatchObject({ ok: false, error: { code: 'internal' } })
    expect(JSON.stringify(hidden)).not.toContain('secret')
  })
})
