/**
 * The local record of accounts and hosts, one JSON file written atomically (write to a
 * temporary file, fsync, rename — write-file-atomic) so a crash mid-write never leaves half a
 * file. Writes are serialized; readers get the in-memory copy, so no call waits on the disk
 * except the mutation that must be durable before it returns (e.g. "the cloud returned an id").
 *
 * Damage is recovered, never silently reset (./schema.ts checks each record):
 * - each write keeps the file it replaces as `exitdesk-ledger.json.bak` (a hard link: no copy);
 * - a file that cannot be used at all (empty, cut off, not JSON, another layout) is renamed to
 *   `exitdesk-ledger.json.unreadable-<time>` and the backup is used instead, else an empty ledger;
 * - a single damaged account or host is moved, as it was, into `exitdesk-ledger.quarantine.json`
 *   and every other record loads;
 * - `recovery` says what happened, for the window's notice (../recovery.ts adds what the
 *   keychain gave back). A file that exists but cannot be read (a folder, no permission) stops
 *   the start with a sentence naming it (./disk-errors.ts) instead of being replaced.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { current, isDraft, produce, type Draft } from 'immer'
import writeFileAtomic from 'write-file-atomic'
import { redactor as sharedRedactor, type Redactor } from '../redact'
import { dataDirProblem, ledgerFileProblem } from './disk-errors'
import { emptyLedger, type LedgerData } from './records'
import { parseLedger, type QuarantinedRecord } from './schema'

export interface Ledger {
  /** The published records: frozen, and shared with later versions wherever they did not change. */
  read(): LedgerData
  /**
   * Applies `change` to a draft (immer: copy-on-write, so a change to one host copies that host,
   * not five thousand), writes the result durably when it differs, then publishes it. What
   * `change` returns is handed back as a plain copy (a draft does not outlive the change).
   */
  update<T>(change: (data: LedgerData) => T): Promise<T>
  /** Goes up by one at every write that changed something (a change needs no comparison of records). */
  readonly revision: number
  /** What was wrong with the file when it was opened and what was done about it; absent when it loaded cleanly. */
  readonly recovery?: LedgerRecoveryReport
}

export interface LedgerRecoveryReport {
  /** The file could not be used at all: why (words for the brackets of a sentence), and where it was kept. */
  unreadable?: { reason: string; keptAt: string }
  /** The backup the accounts and hosts came back from, when the file could not be used. */
  restoredFrom?: string
  /** Records that could not be used, each kept as it was in `file`. */
  quarantined?: { accounts: number; hosts: number; file: string }
}

export const LEDGER_FILE = 'exitdesk-ledger.json'
export const LEDGER_BACKUP_FILE = `${LEDGER_FILE}.bak`
export const LEDGER_QUARANTINE_FILE = 'exitdesk-ledger.quarantine.json'

/**
 * Every write passes the redactor first (the whole record, as data: a provider's words kept in
 * lastError or credentialMessage may quote a credential), and the published in-memory copy is
 * that same redacted data, so the renderer later reads exactly what is on disk.
 */
export async function openLedger(dataDir: string, redactor: Redactor = sharedRedactor): Promise<Ledger> {
  try {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw dataDirProblem(error, dataDir)
  }
  const file = join(dataDir, LEDGER_FILE)
  const loaded = await load(file, dataDir, redactor)
  let data = loaded.data
  let queue: Promise<unknown> = Promise.resolve()

  /** The text the file holds now, as this process last wrote it. */
  let onDisk: string | undefined
  const texts = new RecordTexts(redactor)
  // Compact, and only when something changed: a refresh that learns nothing new costs no write
  // (and keeps the .bak copy one real change behind). Nothing is lost by skipping: the file
  // already says exactly this.
  const write = async (next: LedgerData): Promise<LedgerData> => {
    const clean = texts.clean(next)
    const text = texts.serialize(clean)
    if (text === onDisk) return clean
    await keepBackup(file)
    await writeFileAtomic(file, text, { mode: 0o600 })
    onDisk = text
    revision += 1
    return clean
  }
  let revision = 0

  if (loaded.recovery) {
    // What was recovered replaces what could not be used at once, so the next start is clean
    // (and the same damaged records are not set aside, and reported, again).
    try {
      data = await write(data)
    } catch (error) {
      throw dataDirProblem(error, dataDir)
    }
  }

  return {
    read: () => data,
    get revision() {
      return revision
    },
    update<T>(change: (draft: LedgerData) => T): Promise<T> {
      const run = async (): Promise<T> => {
        let result: T | undefined
        const next = produce(data, (draft) => {
          const returned = change(draft)
          result = isDraft(returned) ? current(returned as Draft<T>) : returned
        })
        // Nothing changed (immer hands back the same object): no redaction, no text, no write.
        if (next !== data) data = await write(next)
        return result as T
      }
      const next = queue.then(run, run)
      queue = next.catch(() => undefined)
      return next
    },
    recovery: loaded.recovery,
  }
}

/**
 * What each record turns into on disk, kept per record object. Published records are frozen
 * and a change copies only the records it touches, so a record seen before is already redacted
 * and its JSON already made: a write costs the changed records plus one join, not a walk of
 * every string of every host. When the redactor learns a new secret, everything is redacted
 * again once (a record written earlier may hold it).
 */
class RecordTexts {
  private json = new WeakMap<object, string>()
  private generation: number

  constructor(private readonly redactor: Redactor) {
    this.generation = redactor.generation
  }

  /** `data` with every new or changed record redacted (unchanged records keep their identity). */
  clean(data: LedgerData): LedgerData {
    if (this.redactor.generation !== this.generation) {
      this.generation = this.redactor.generation
      this.json = new WeakMap()
    }
    const settings = data.settings === undefined ? undefined : this.redactor.redactDeep(data.settings)
    const clean: LedgerData = { ...data, accounts: this.cleanAll(data.accounts), hosts: this.cleanAll(data.hosts) }
    if (settings !== undefined) clean.settings = settings
    return clean
  }

  /** The file's text: the same JSON as `JSON.stringify(data)`, made from each record's kept text. */
  serialize(data: LedgerData): string {
    const parts: string[] = []
    for (const [key, value] of Object.entries(data)) {
      if (value === undefined) continue
      const text = Array.isArray(value) ? `[${value.map((record: object) => this.text(record)).join(',')}]` : JSON.stringify(value)
      parts.push(`${JSON.stringify(key)}:${text}`)
    }
    return `{${parts.join(',')}}\n`
  }

  private cleanAll<R extends object>(records: R[]): R[] {
    let copy: R[] | undefined
    records.forEach((record, index) => {
      if (this.json.has(record)) return
      const clean = this.redactor.redactDeep(record)
      this.json.set(clean, JSON.stringify(clean))
      if (clean !== record) (copy ??= [...records])[index] = clean
    })
    return copy ?? records
  }

  private text(record: object): string {
    let text = this.json.get(record)
    if (text === undefined) {
      text = JSON.stringify(record)
      this.json.set(record, text)
    }
    return text
  }
}

interface Loaded {
  data: LedgerData
  recovery?: LedgerRecoveryReport
}

async function load(file: string, dataDir: string, redactor: Redactor): Promise<Loaded> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    // No file: a first start (or a deliberate reset): nothing to recover.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { data: emptyLedger() }
    throw ledgerFileProblem(error, file)
  }
  const parsed = parseLedger(text)
  if (parsed.ok) {
    if (parsed.quarantined.length === 0) return { data: parsed.data }
    return { data: parsed.data, recovery: { quarantined: await quarantine(dataDir, LEDGER_FILE, parsed.quarantined, redactor) } }
  }

  // Never lose a record: keep the unreadable file beside the new one for the user to inspect.
  const keptAt = `${file}.unreadable-${Date.now()}`
  try {
    await fs.rename(file, keptAt)
  } catch (error) {
    throw ledgerFileProblem(error, file)
  }
  const recovery: LedgerRecoveryReport = { unreadable: { reason: parsed.reason, keptAt } }
  const backupFile = join(dataDir, LEDGER_BACKUP_FILE)
  const backup = parseLedger(await fs.readFile(backupFile, 'utf8').catch(() => ''))
  if (!backup.ok) return { data: emptyLedger(), recovery }
  recovery.restoredFrom = backupFile
  if (backup.quarantined.length > 0) recovery.quarantined = await quarantine(dataDir, LEDGER_BACKUP_FILE, backup.quarantined, redactor)
  return { data: backup.data, recovery }
}

/**
 * Appends the records to the quarantine file (redacted, like everything written), keeping what
 * an earlier start put there. Returns the counts for the notice.
 */
async function quarantine(dataDir: string, from: string, records: QuarantinedRecord[], redactor: Redactor): Promise<NonNullable<LedgerRecoveryReport['quarantined']>> {
  const file = join(dataDir, LEDGER_QUARANTINE_FILE)
  let kept: unknown[] = []
  const before = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (before !== undefined) {
    try {
      const parsed = JSON.parse(before) as unknown
      if (!Array.isArray(parsed)) throw new Error('not a list')
      kept = parsed
    } catch {
      await fs.rename(file, `${file}.unreadable-${Date.now()}`).catch(() => undefined)
    }
  }
  const at = new Date().toISOString()
  const added = records.map((entry) => ({ keptAt: at, from, kind: entry.kind, problem: entry.problem, record: entry.record }))
  try {
    await writeFileAtomic(file, `${JSON.stringify(redactor.redactDeep([...kept, ...added]), null, 2)}\n`, { mode: 0o600 })
  } catch (error) {
    throw dataDirProblem(error, dataDir)
  }
  return { accounts: records.filter((r) => r.kind === 'account').length, hosts: records.filter((r) => r.kind === 'host').length, file }
}

/**
 * Keeps the file about to be replaced as the backup: a hard link to it under a temporary name,
 * renamed over the old backup, so neither file is ever half-written and no bytes are copied.
 * Where hard links are not supported it is copied. A backup is a help, not a condition for
 * saving: when it cannot be made the write goes ahead.
 */
async function keepBackup(file: string): Promise<void> {
  const backup = `${file}.bak`
  const staging = `${backup}.tmp`
  try {
    await fs.rm(staging, { force: true })
    try {
      await fs.link(file, staging)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // nothing written yet
      await fs.copyFile(file, staging)
    }
    await fs.rename(staging, backup)
  } catch {
    await fs.rm(staging, { force: true }).catch(() => undefined)
  }
}
