/**
 * One Exitdesk per data folder, whichever shell: two would poll the same clouds, run the same
 * steps and overwrite each other's ledger. The lock is a file holding the owner's pid, created
 * exclusively; a lock whose process is gone is taken over.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { AppError } from '../../shared/errors'
import { dataDirProblem } from './disk-errors'

export const LOCK_FILE = 'exitdesk.lock'

export interface DataDirLock {
  release(): Promise<void>
}

export async function lockDataDir(dataDir: string, pid: number = process.pid): Promise<DataDirLock> {
  // A lock held by this very process counts too: two cores in one process are as bad as two processes.
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw dataDirProblem(error, dataDir)
  })
  const file = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, String(pid), { flag: 'wx', mode: 0o600 })
      return { release: () => fs.rm(file, { force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw dataDirProblem(error, dataDir)
      const owner = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new AppError({
          code: 'conflict',
          message: `Exitdesk is already running with this data folder (${dataDir}, process ${owner}). Use that window, or stop it first. (If no Exitdesk is running, delete ${file}.)`,
          retryable: false,
        })
      }
      await fs.rm(file, { force: true }) // left by a process that is gone
    }
  }
  throw new AppError({ code: 'conflict', message: `Could not lock the data folder ${dataDir}.`, retryable: true })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
