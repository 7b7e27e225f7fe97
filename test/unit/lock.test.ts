import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { LOCK_FILE, lockDataDir } from '../../src/main/store/lock'

describe('the data-folder lock', () => {
  it('takes over a lock left by a process that is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-lock-'))
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    await writeFile(join(dir, LOCK_FILE), gone)
    const lock = await lockDataDir(dir)
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid))
    await lock.release()
  })

  it('refuses while the owner lives, naming the file to remove if it is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-lock-'))
    await writeFile(join(dir, LOCK_FILE), String(process.ppid))
    await expect(lockDataDir(dir)).rejects.toMatchObject({ info: { code: 'conflict', message: expect.stringContaining(join(dir, LOCK_FILE)) } })
  })
})
