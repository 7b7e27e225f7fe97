import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LEDGER_FILE, openLedger } from '../../src/main/store/ledger'

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
})
