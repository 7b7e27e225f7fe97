/**
 * The single entry point both bridges (Electron IPC and the local HTTP bridge) call:
 * unknown channel -> error; input validated by the contract's schema (a bad argument never
 * reaches a cloud, and the error names the field); result or failure wrapped in the envelope.
 */
import { channels, isChannel, type Channel, type ChannelParsed, type ChannelResult } from '../shared/contract'
import { AppError, toErrorInfo, type Envelope } from '../shared/errors'
import type { z } from 'zod'

export type Handlers = { [C in Channel]: (input: ChannelParsed<C>) => Promise<ChannelResult<C>> }

export type Dispatch = (channel: string, input: unknown) => Promise<Envelope<unknown>>

export function createDispatcher(handlers: Handlers): Dispatch {
  return async (channel, input) => {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'unknown-channel', message: `There is no channel named "${String(channel).slice(0, 60)}".`, retryable: false } }
    }
    const parsed = channels[channel].input.safeParse(input ?? {})
    if (!parsed.success) return { ok: false, error: validationError(parsed.error).info }
    try {
      const handler = handlers[channel] as (input: unknown) => Promise<unknown>
      return { ok: true, data: await handler(parsed.data) }
    } catch (error) {
      return { ok: false, error: toErrorInfo(error) }
    }
  }
}

/** The first issue, as "<field> <problem>", e.g. "tunnel.domains.0 must be a domain name ...". */
export function validationError(error: z.ZodError): AppError {
  const issue = error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)'
  const problem = issue ? friendlyProblem(issue) : 'is not valid'
  return new AppError({ code: 'invalid-input', field, message: `${field} ${problem}.`, retryable: false })
}

function friendlyProblem(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : `must be ${issue.expected}`
  if (issue.code === 'unrecognized_keys') return `has unexpected field(s): ${issue.keys.join(', ')}`
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`
  return issue.message.replace(/\.$/, '')
}
