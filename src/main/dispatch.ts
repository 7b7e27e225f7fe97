/**
 * The single entry point both bridges (Electron IPC and the local HTTP bridge) call:
 * unknown channel -> error; input validated by the contract's schema (a bad argument never
 * reaches a cloud, and the error names the field); result or failure wrapped in the envelope.
 * Every envelope passes the redactor (./redact) on its way out, except the few fields listed in
 * REVEALING_FIELDS, which exist to hand a secret to the user.
 */
import { channels, isChannel, type Channel, type ChannelParsed, type ChannelResult } from '../shared/contract'
import { AppError, toErrorInfo, type Envelope } from '../shared/errors'
import { redactor as sharedRedactor, type Redactor } from './redact'
import type { z } from 'zod'

export type Handlers = { [C in Channel]: (input: ChannelParsed<C>) => Promise<ChannelResult<C>> }

export type Dispatch = (channel: string, input: unknown) => Promise<Envelope<unknown>>

/**
 * The only values that leave main unredacted: top-level fields of a successful result whose
 * channel exists to give the user a secret, on an explicit click ("Copy command", "Copy token").
 * Everything else in those results (notes, paths) and every error envelope is redacted as usual.
 * Typed against the contract, so a renamed or removed field fails the typecheck here.
 */
export const REVEALING_FIELDS: { readonly [C in Channel]?: ReadonlyArray<keyof ChannelResult<C> & string> } = {
  'hosts:client-command': ['command'],
  'hosts:tunnel-token': ['token'],
}

export function createDispatcher(handlers: Handlers, redactor: Redactor = sharedRedactor): Dispatch {
  const run = async (channel: string, input: unknown): Promise<Envelope<unknown>> => {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'unknown-channel', message: `There is no channel named "${String(channel).slice(0, 60)}".`, retryable: false } }
    }
    const parsed = channels[channel].input.safeParse(input ?? {})
    if (!parsed.success) return { ok: false, error: validationError(parsed.error, input ?? {}).info }
    try {
      const handler = handlers[channel] as (input: unknown) => Promise<unknown>
      return { ok: true, data: await handler(parsed.data) }
    } catch (error) {
      return { ok: false, error: toErrorInfo(error) }
    }
  }
  return async (channel, input) => redactEnvelope(redactor, channel, await run(channel, input))
}

function redactEnvelope(redactor: Redactor, channel: string, envelope: Envelope<unknown>): Envelope<unknown> {
  if (!envelope.ok) return { ok: false, error: redactor.redactDeep(envelope.error) }
  const revealed: readonly string[] = (isChannel(channel) ? REVEALING_FIELDS[channel] : undefined) ?? []
  const data = envelope.data
  if (revealed.length === 0 || typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: true, data: redactor.redactDeep(data) }
  const kept = Object.fromEntries(Object.entries(data).filter(([key]) => revealed.includes(key)))
  const rest = Object.fromEntries(Object.entries(data).filter(([key]) => !revealed.includes(key)))
  return { ok: true, data: { ...redactor.redactDeep(rest), ...kept } }
}

/**
 * The first issue, as "<field> <problem>", e.g. "tunnel.domains.0 must be a domain name ...".
 * `input`, when given, is what was checked: a field of the wrong type is told apart from a
 * missing one by it (zod leaves the issue's `input` out unless asked to report it).
 */
export function validationError(error: z.ZodError, input?: unknown): AppError {
  const issue = error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)'
  const problem = issue ? friendlyProblem(issue, input === undefined ? undefined : valueAt(input, issue.path)) : 'is not valid'
  return new AppError({ code: 'invalid-input', field, message: `${field} ${problem}.`, retryable: false })
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { value: unknown } {
  let value = input
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined
  return { value }
}

/** zod's own wording of a type error ("Invalid input: expected boolean, received string"), as opposed to a schema's message. */
const DEFAULT_TYPE_MESSAGE = /^Invalid input/

function friendlyProblem(issue: z.core.$ZodIssue, given?: { value: unknown }): string {
  if (issue.code === 'invalid_type') {
    const present = given ? given.value !== undefined : issue.input !== undefined
    if (!present) return 'is required'
    return DEFAULT_TYPE_MESSAGE.test(issue.message) ? `must be ${issue.expected}` : issue.message.replace(/\.$/, '')
  }
  if (issue.code === 'unrecognized_keys') return `has unexpected field(s): ${issue.keys.join(', ')}`
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`
  return issue.message.replace(/\.$/, '')
}
