/**
 * `clouds:prepare`: picking a cloud in the account form loads that cloud's SDK in main in the
 * background (the form's Add then waits for no load); a cloud with nothing to load says so.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { awsSdkLoaded } from '../../src/main/clouds/ec2/client'
import { createCore } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'

async function core() {
  return createCore({ dataDir: await mkdtemp(join(tmpdir(), 'exitdesk-prepare-')), secrets: createMemorySecretStore(), shell: 'web', version: 'test', timers: { setTimeout: () => 0, clearTimeout: () => undefined } })
}

describe('clouds:prepare', () => {
  it('loads the AWS SDK for EC2 in the background, sending nothing', async () => {
    const app = await core()
    try {
      expect(awsSdkLoaded()).toEqual({ ec2: false, sts: false, ssm: false })
      const answer = await app.dispatch('clouds:prepare', { cloud: 'ec2' })
      expect(answer).toEqual({ ok: true, data: { preparing: true } })
      await vi.waitFor(() => expect(awsSdkLoaded()).toEqual({ ec2: true, sts: true, ssm: true }), { timeout: 20_000 })
    } finally {
      await app.stop()
    }
  })

  it('says when a cloud has nothing to load, and names the field of a cloud it does not know', async () => {
    const app = await core()
    try {
      expect(await app.dispatch('clouds:prepare', { cloud: 'digitalocean' })).toEqual({ ok: true, data: { preparing: false } })
      const refused = await app.dispatch('clouds:prepare', { cloud: 'packet' })
      expect(refused.ok).toBe(false)
      if (!refused.ok) expect(refused.error.field).toBe('cloud')
    } finally {
      await app.stop()
    }
  })
})
