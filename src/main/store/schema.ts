/**
 * What a ledger file must look like to be used, checked record by record: one damaged account
 * or host (a hand edit, a bug, a newer version's field) is set aside on its own, and every
 * other record still loads. Lenient where older versions differ: optional fields may be absent
 * (or null), fields this version does not know are kept as they are (e.g. `letsEncryptEmail`
 * in tunnel settings written before February 2026), and a few fields older files may lack get
 * the value this version would have written.
 */
import { z } from 'zod'
import { AUTO_TEARDOWN_MS, CLOUD_IDS, HOST_STATES, type AutoTeardownAfter } from '../../shared/domain'
import type { AccountRecord, HostRecord, LedgerData } from './records'

/** An optional text field: absent, null (never written by Exitdesk, but harmless) or a string. */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined)
const optionalNumber = z
  .number()
  .nullish()
  .transform((value) => value ?? undefined)
const nonEmpty = z.string().min(1)

export const accountRecordSchema = z.looseObject({
  id: nonEmpty,
  cloud: z.enum(CLOUD_IDS),
  label: z.string(),
  endpoint: optionalText,
  createdAt: z.string(),
  credential: z.enum(['ok', 'failing', 'none']),
  credentialMessage: optionalText,
  accountName: optionalText,
  identity: optionalText,
})

export const tunnelSettingsSchema = z.looseObject({
  mode: z.enum(['tcp', 'https']),
  inletsVersion: z.string().default('unknown'),
  domains: z.array(z.string()).default([]),
  letsEncryptIssuer: z.enum(['prod', 'staging']).default('prod'),
})

const attachedSchema = z.looseObject({
  kind: z.enum(['firewall', 'security-group', 'public-ip', 'network-interface', 'disk', 'tag']),
  id: nonEmpty,
})

const locatorSchema = z.looseObject({
  instanceId: optionalText,
  region: z.string(),
  zone: optionalText,
  project: optionalText,
  resourceGroup: optionalText,
  attached: z.array(attachedSchema).default([]),
})

const autoTeardownAfters = Object.keys(AUTO_TEARDOWN_MS) as [AutoTeardownAfter, ...AutoTeardownAfter[]]

/** A host's auto-teardown deadline; absent in files written before it existed (the host stays until deleted). */
export const autoTeardownRecordSchema = z.looseObject({
  at: z.number().finite(),
  after: z.enum(autoTeardownAfters),
  setAt: z.enum(['create', 'later']).default('later'),
  warned: z.boolean().optional(),
})

/**
 * A host's timeline (../hosts/timeline.ts): absent in files written before it was kept. Read
 * entry by entry: a damaged entry is dropped, and a timeline that is not a list at all is
 * dropped, rather than setting the whole host aside for a history line.
 */
const timelineEntrySchema = z.object({ at: z.string(), kind: z.enum(['step', 'error', 'notice']), text: z.string() })
export const timelineSchema = z
  .unknown()
  .transform((value) => {
    if (!Array.isArray(value)) return undefined
    return value.flatMap((entry) => {
      const parsed = timelineEntrySchema.safeParse(entry)
      return parsed.success ? [parsed.data] : []
    })
  })
  .optional()

export const hostRecordSchema = z.looseObject({
  id: nonEmpty,
  requestId: optionalText,
  name: z.string(),
  cloud: z.enum(CLOUD_IDS),
  accountId: nonEmpty,
  region: z.string(),
  plan: z.string(),
  ipv4: optionalText,
  ipv6: optionalText,
  state: z.enum(HOST_STATES),
  rawStatus: z.string(),
  createdAt: z.string(),
  monthlyCostUsd: optionalNumber,
  tunnel: tunnelSettingsSchema,
  locator: locatorSchema,
  lastError: optionalText,
  discovered: z.boolean().default(false),
  phase: z.enum(['creating', 'created', 'tearing-down']),
  progress: optionalText,
  failures: z.number().int().min(0).default(0),
  nextAttemptAt: optionalNumber,
  lastObservedAt: optionalText,
  refusal: optionalText,
  autoTeardown: autoTeardownRecordSchema.nullish().transform((value) => value ?? undefined),
  timeline: timelineSchema,
})

// The schemas must produce the records the rest of main works with (checked by the compiler).
const _accountFits: AccountRecord = {} as z.output<typeof accountRecordSchema>
const _hostFits: HostRecord = {} as z.output<typeof hostRecordSchema>
void _accountFits
void _hostFits

/** A record that could not be used, kept as it was found. */
export interface QuarantinedRecord {
  kind: 'account' | 'host'
  /** What was wrong, e.g. "tunnel.mode: Invalid option". For the quarantine file, not the banner. */
  problem: string
  record: unknown
}

export type ParsedLedger = { ok: true; data: LedgerData; quarantined: QuarantinedRecord[] } | { ok: false; reason: string }

/**
 * Reads a ledger file's text. `reason` (when the file cannot be used at all) is a few words for
 * the brackets of a sentence: "the file is empty", "it is not valid JSON", …
 */
export function parseLedger(text: string): ParsedLedger {
  const body = text.replace(/^\uFEFF/, '') // an editor's byte-order mark is not damage
  if (body.trim() === '') return { ok: false, reason: 'the file is empty' }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (error) {
    return { ok: false, reason: endsTooEarly(error, body) ? 'the file ends in the middle of a record, as if a write was cut off' : 'it is not valid JSON' }
  }
  if (!isObject(parsed)) return { ok: false, reason: 'it does not have the layout Exitdesk writes' }
  if (typeof parsed.version === 'number' && parsed.version > 1) {
    return { ok: false, reason: `it was written by a newer version of Exitdesk (format ${parsed.version})` }
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.accounts) || !Array.isArray(parsed.hosts)) {
    return { ok: false, reason: 'it does not have the layout Exitdesk writes' }
  }

  const quarantined: QuarantinedRecord[] = []
  const accounts = keepValid(parsed.accounts, 'account', accountRecordSchema, quarantined) as AccountRecord[]
  const hosts = keepValid(parsed.hosts, 'host', hostRecordSchema, quarantined) as HostRecord[]
  const data: LedgerData = { version: 1, accounts, hosts }
  // Settings are read field by field where they are used; anything but an object is dropped.
  if (isObject(parsed.settings)) data.settings = parsed.settings as LedgerData['settings']
  return { ok: true, data, quarantined }
}

function keepValid(records: unknown[], kind: QuarantinedRecord['kind'], schema: z.ZodType, quarantined: QuarantinedRecord[]): unknown[] {
  const kept: unknown[] = []
  const ids = new Set<string>()
  for (const record of records) {
    const result = schema.safeParse(record)
    if (!result.success) {
      quarantined.push({ kind, problem: describeIssues(result.error), record })
      continue
    }
    const id = (result.data as { id: string }).id
    if (ids.has(id)) {
      quarantined.push({ kind, problem: `a second ${kind} record with the id ${id}`, record })
      continue
    }
    ids.add(id)
    kept.push(result.data)
  }
  return kept
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ')
}

/** Whether JSON.parse stopped because the text ran out (V8 says so, or names the last position). */
function endsTooEarly(error: unknown, text: string): boolean {
  const message = error instanceof Error ? error.message : ''
  if (/end of (JSON )?(input|data)/i.test(message)) return true
  const position = /at position (\d+)/.exec(message)
  return position !== null && Number(position[1]) >= text.trimEnd().length
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
