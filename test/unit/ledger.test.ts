import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Redactor } from '../../src/main/redact'
import { mergeObservations } from '../../src/main/hosts/merge'
import { LEDGER_FILE, openLedger } from '../../src/main/store/ledger'
import { toHost, type AccountRecord } from '../../src/main/store/records'

describe('the ledger', () => {
  it('writes durably and in order; a failed change leaves the data as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-ledger-'))
    const ledger = await openLedger(dir)
    await Promise.all([
      ledger.update((d) => void d.accounts.push({ id: 'a', cloud: 'digitalocean', label: 'A', createdAt: 'x', credential: 'ok' })),
      ledger.update((d) => void d.accounts.push({ id: 'b', cloud: 'digitalocean', label: 'B', createdAt: 'x', credential: 'ok' })),
    ])
    await expect(
      ledger.update((d) => {
        d.accounts = []
        throw new Error('change failed')
      }),
    ).rejects.toThrow('change failed')
    expect(ledger.read().accounts.map((a) => a.id)).toEqual(['a', 'b'])
    const onDisk = JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8')) as { accounts: Array<{ id: string }> }
    expect(onDisk.accounts.map((a) => a.id)).toEqual(['a', 'b'])
    expect((await openLedger(dir)).read().accounts).toHaveLength(2)
  })

  it('writes compact JSON, and only when something changed; a change right after a skipped write is on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-ledger-'))
    const file = join(dir, LEDGER_FILE)
    const ledger = await openLedger(dir)
    await ledger.update((d) => void d.accounts.push({ id: 'a', cloud: 'digitalocean', label: 'A', createdAt: 'x', credential: 'ok' }))
    const written = await stat(file)
    expect(await readFile(file, 'utf8')).not.toMatch(/\n /) // compact
    for (let i = 0; i < 5; i++) await ledger.update((d) => void (d.accounts[0]!.label = 'A')) // the same again
    const after = await stat(file)
    expect(after.ino).toBe(written.ino) // write-file-atomic renames a new file in: same inode means no write
    expect(after.mtimeMs).toBe(written.mtimeMs)
    await ledger.update((d) => void (d.accounts[0]!.label = 'B'))
    // What a restart (or a crash right now) reads is the change.
    expect((await openLedger(dir)).read().accounts[0]?.label).toBe('B')
    expect((await stat(file)).ino).not.toBe(written.ino)
  })

  it('keeps an unreadable file aside instead of losing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-ledger-'))
    await writeFile(join(dir, LEDGER_FILE), '{"version":1,"accounts":[')
    const ledger = await openLedger(dir)
    expect(ledger.read().hosts).toEqual([])
    const files = await readdir(dir)
    const aside = files.find((f) => f.startsWith(`${LEDGER_FILE}.unreadable-`))
    expect(aside).toBeDefined()
    expect(await readFile(join(dir, aside!), 'utf8')).toBe('{"version":1,"accounts":[')
  })

  it('copies on write: a change to one host leaves every other record the same object, frozen, and its view made once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-ledger-'))
    const ledger = await openLedger(dir, new Redactor())
    const account: AccountRecord = { id: 'acct', cloud: 'digitalocean', label: 'A', createdAt: 'x', credential: 'ok' }
    await ledger.update((d) => {
      d.accounts.push(account)
      mergeObservations(d.hosts, account, Array.from({ length: 300 }, (_, n) => ({ instanceId: String(n), name: `exit-${n}`, region: 'lon1', state: 'active' as const, rawStatus: 'active', tags: ['exitdesk'] })), { gone: new Set(), now: 0 })
    })
    const before = ledger.read()
    expect(Object.isFrozen(before.hosts[0])).toBe(true)
    expect(() => {
      ;(before.hosts[0] as { name: string }).name = 'changed outside an update'
    }).toThrow(TypeError)
    const view = toHost(before.hosts[7]!)
    expect(toHost(before.hosts[7]!)).toBe(view)

    await ledger.update((d) => void (d.hosts[5]!.rawStatus = 'off'))
    const after = ledger.read()
    expect(after.hosts[5]).not.toBe(before.hosts[5])
    expect(after.hosts[5]!.rawStatus).toBe('off')
    expect(after.hosts.filter((host, index) => host !== before.hosts[index])).toHaveLength(1)
    expect(toHost(after.hosts[7]!)).toBe(view)
    // The file says the same as what is published, every record included.
    const onDisk = JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8')) as { hosts: Array<{ rawStatus: string }> }
    expect(onDisk.hosts).toHaveLength(300)
    expect(onDisk.hosts[5]!.rawStatus).toBe('off')
    expect(JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8'))).toEqual(JSON.parse(JSON.stringify(after)))
  })

  it('hands back what a change returns as a plain object, usable after the change ended', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-ledger-'))
    const ledger = await openLedger(dir, new Redactor())
    await ledger.update((d) => void d.accounts.push({ id: 'a', cloud: 'digitalocean', label: 'A', createdAt: 'x', credential: 'ok' }))
    const returned = await ledger.update((d) => {
      const target = d.accounts[0]!
      target.label = 'B'
      return target
    })
    expect(returned.label).toBe('B')
    expect({ ...returned }).toMatchObject({ id: 'a', label: 'B' })
  })

  it('redacts a record written before its secret was known at the next write, although that record did not change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-ledger-'))
    const redactor = new Redactor()
    const ledger = await openLedger(dir, redactor)
    const secret = 'dop_v1_0123456789abcdef0123456789abcdef'
    await ledger.update((d) => {
      d.accounts.push({ id: 'a', cloud: 'digitalocean', label: 'A', createdAt: 'x', credential: 'failing', credentialMessage: `refused ${secret}` })
      d.accounts.push({ id: 'b', cloud: 'digitalocean', label: 'B', createdAt: 'x', credential: 'ok' })
    })
    expect(await readFile(join(dir, LEDGER_FILE), 'utf8')).toContain(secret) // not known yet: nothing to redact
    redactor.remember(secret)
    await ledger.update((d) => void (d.accounts[1]!.label = 'B2')) // another record changes
    const text = await readFile(join(dir, LEDGER_FILE), 'utf8')
    expect(text).not.toContain(secret)
    expect(text).toContain('[redacted]')
    expect(ledger.read().accounts[0]!.credentialMessage).toBe('refused [redacted]')
  })
})

