/**
 * The local record of accounts and hosts, one JSON file written atomically (write to a
 * temporary file, fsync, rename — write-file-atomic) so a crash mid-write never leaves half a
 * file. Writes are serialized; readers get the in-memory copy, so no call waits on the disk
 * except the mutation that must be durable before it returns (e.g. "the cloud returned an id").
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import writeFileAtomic from 'write-file-atomic'
import { redactor as sharedRedactor, type Redactor } from '../redact'
import { emptyLedger, type LedgerData } from './records'

export interface Ledger {
  read(): LedgerData
  /** Applies `change` to a copy, writes it durably, then publishes it. */
  update<T>(change: (data: LedgerData) => T): Promise<T>
}

export const LEDGER_FILE = 'exitdesk-ledger.json'

/**
 * Every write passes the redactor first (the whole record, as data: a provider's words kept in
 * lastError or credentialMessage may quote a credential), and the published in-memory copy is
 * that same redacted data, so the renderer later reads exactly what is on disk.
 */
export async function openLedger(dataDir: string, redactor: Redactor = sharedRedactor): Promise<Ledger> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 })
  const file = join(dataDir, LEDGER_FILE)
  let data = await load(file)
  let queue: Promise<unknown> = Promise.resolve()

  return {
    read: () => data,
    update<T>(change: (draft: LedgerData) => T): Promise<T> {
      const run = async (): Promise<T> => {
        const draft = structuredClone(data)
        const result = change(draft)
        const clean = redactor.redactDeep(draft)
        await writeFileAtomic(file, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600 })
        data = clean
        return result
      }
      const next = queue.then(run, run)
      queue = next.catch(() => undefined)
      return next
    },
  }
}

async function load(file: string): Promise<LedgerData> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyLedger()
    throw error
  }
  try {
    const parsed = JSON.parse(text) as LedgerData
    if (parsed.version !== 1 || !Array.isArray(parsed.accounts) || !Array.isArray(parsed.hosts)) throw new Error('unexpected shape')
    return parsed
  } catch {
    // Never lose a record: keep the unreadable file beside the new one for the user to inspect.
    await fs.rename(file, `${file}.unreadable-${Date.now()}`)
    return emptyLedger()
  }
}
