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
  tunnel: { mode: 'https', inletsVersion: '0.11.14', domains: ['a.example.com'], letsEncryptEmail: 'me@example.com' },
}

describe('the dispatcher (both bridges call it)', () => {
  it('refuses bad input naming the field, and never reaches the handler', async () => {
    const { handlers: h, calls } = handlers()
    const dispatch = createDispatcher(h)
    const cases: Array<[unknown, string]> = [
      [{ ...goodCreate, requestId: 'nope' }, 'requestId'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, domains: ['ok.example.com', 'bad domain;rm'] } }, 'tunnel.domains.1'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, domains: [] } }, 'tunnel.domains'],
      [{ ...goodCreate, tunnel: { ...goodCreate.tunnel, letsEncryptEmail: undefined } }, 'tunnel.letsEncryptEmail'],
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

  it("normalises the Let's Encrypt e-mail (trimmed, lower case) and refuses what the cloud-init check would refuse", async () => {
    let received: unknown
    const { handlers: h } = handlers({
      'hosts:create': async (input) => {
        received = input
        return {} as never
      },
    })
    const dispatch = createDispatcher(h)
    expect((await dispatch('hosts:create', { ...goodCreate, tunnel: { ...goodCreate.tunnel, letsEncryptEmail: ' Ops@Example.COM ' } })).ok).toBe(true)
    expect((received as { tunnel: { letsEncryptEmail?: string } }).tunnel.letsEncryptEmail).toBe('ops@example.com')

    // Refused up front, before any cloud call; the user-data builder would refuse each later.
    for (const letsEncryptEmail of ['not-an-email', "o'brien@example.com", `${'a'.repeat(65)}@example.com`]) {
      const result = await dispatch('hosts:create', { ...goodCreate, tunnel: { ...goodCreate.tunnel, letsEncryptEmail } })
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'tunnel.letsEncryptEmail' } })
      if (!result.ok) expect(result.error.message).toMatch(/^tunnel\.letsEncryptEmail must be an e-mail address/)
    }
  })

  it('every e-mail the contract accepts is one the cloud-init builder accepts too', () => {
    const accepted = ['Ops@Example.COM', 'a.b+c_d-e@ex-ample.co.uk', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}`, 'x@xn--bcher-kva.example']
    for (const email of accepted) {
      const tunnel = tunnelInputSchema.parse({ ...goodCreate.tunnel, letsEncryptEmail: email })
      expect(() => buildUserData({ ...tunnel, token: generateTunnelToken() })).not.toThrow()
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
