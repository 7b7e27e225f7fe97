import { describe, expect, it } from 'vitest'
import { createDispatcher, type Handlers } from '../../src/main/dispatch'
import { autoTeardownSettingsInputSchema, createHostInputSchema, setAutoTeardownInputSchema } from '../../src/shared/contract'

const create = {
  requestId: '0b0c4c3e-4d0a-4b8e-9a53-0d7b8a3c1f10',
  accountId: 'simulated',
  name: 'exit-1',
  region: 'sim-local-1',
  plan: 'sim-nano',
  tunnel: { mode: 'tcp', inletsVersion: '0.11.14' },
}

describe('the contract: auto-teardown inputs', () => {
  it('hosts:create takes an optional deleteAfter of the listed choices', () => {
    expect(createHostInputSchema.parse(create).deleteAfter).toBeUndefined()
    expect(createHostInputSchema.parse({ ...create, deleteAfter: '7d' }).deleteAfter).toBe('7d')
    const bad = createHostInputSchema.safeParse({ ...create, deleteAfter: '3h' })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]).toMatchObject({ path: ['deleteAfter'], message: 'must be one of 1h, 8h, 24h, 7d, never' })
  })

  it('the dispatcher names the field at fault for each new channel, before any handler runs', async () => {
    let called = 0
    const dispatch = createDispatcher(
      new Proxy({} as Handlers, {
        get: () => async () => {
          called += 1
          return {}
        },
      }),
    )
    expect(await dispatch('hosts:create', { ...create, deleteAfter: 'soon' })).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'deleteAfter', message: 'deleteAfter must be one of 1h, 8h, 24h, 7d, never.' } })
    expect(await dispatch('hosts:set-auto-teardown', { hostId: '', after: '1h' })).toMatchObject({ ok: false, error: { field: 'hostId' } })
    expect(await dispatch('hosts:set-auto-teardown', { hostId: 'h1' })).toMatchObject({ ok: false, error: { field: 'after' } })
    expect(await dispatch('settings:set-auto-teardown', { teardownOnQuit: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'teardownOnQuit', message: expect.stringMatching(/^teardownOnQuit /) } })
    expect(await dispatch('settings:set-auto-teardown', { defaultAfter: '1h', extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(called).toBe(0)
    expect(await dispatch('hosts:set-auto-teardown', { hostId: 'h1', after: 'never' })).toMatchObject({ ok: true })
    expect(called).toBe(1)
  })

  it('settings may change one field at a time', () => {
    expect(autoTeardownSettingsInputSchema.parse({ defaultAfter: '8h' })).toEqual({ defaultAfter: '8h' })
    expect(setAutoTeardownInputSchema.parse({ hostId: 'h1', after: '24h' })).toEqual({ hostId: 'h1', after: '24h' })
  })
})
