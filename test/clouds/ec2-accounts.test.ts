/**
 * Adding an EC2 account through the core: the optional credential fields (session token,
 * subnet) may be left out, the required ones may not, and the identity is the account id.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { startFakeEc2, type FakeEc2 } from '../fakes/ec2'

let fake: FakeEc2 | undefined
let stop: (() => Promise<void>) | undefined
afterEach(async () => {
  await stop?.()
  await fake?.close()
  fake = undefined
  stop = undefined
})

async function core() {
  const created = await createCore({ dataDir: await mkdtemp(join(tmpdir(), 'exitdesk-ec2-accounts-')), secrets: createMemorySecretStore(), shell: 'web', version: 'test' })
  created.hosts.stop()
  stop = () => created.stop()
  return created
}

describe('EC2 accounts through the core', () => {
  it('needs the key and the secret; the session token may be left out, and is sent when given', async () => {
    fake = await startFakeEc2({ sessionToken: 'FwoGZXIvYXdzEJr-session' })
    const app = await core()
    const add = (credentials: Record<string, string>) => app.dispatch('accounts:add', { cloud: 'ec2', label: `aws ${Object.keys(credentials).length}`, endpoint: fake!.url, credentials })
    const missing = await add({ accessKeyId: fake.accessKeyId })
    expect(missing.ok).toBe(false)
    if (!missing.ok) expect(missing.error).toMatchObject({ code: 'invalid-input', field: 'credentials.secretAccessKey' })
    const stranger = await add({ accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey, region: 'eu-west-1' })
    if (!stranger.ok) expect(stranger.error.field).toBe('credentials.region')
    expect(stranger.ok).toBe(false)
    // This fake insists on a session token: without one the key is refused in AWS's words.
    const withoutToken = await add({ accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey })
    expect(withoutToken.ok).toBe(false)
    if (!withoutToken.ok) expect(withoutToken.error.providerMessage).toContain('InvalidClientTokenId')
    const added = await add({ accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey, sessionToken: 'FwoGZXIvYXdzEJr-session' })
    expect(added.ok).toBe(true)
    expect(JSON.stringify(added)).not.toContain(fake.secretAccessKey)
  })

  it('without a session token the key and secret are enough', async () => {
    fake = await startFakeEc2()
    const app = await core()
    const added = await app.dispatch('accounts:add', { cloud: 'ec2', label: 'aws', endpoint: fake.url, credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey, sessionToken: '' } })
    expect(added.ok).toBe(true)
  })
})
