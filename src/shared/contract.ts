/**
 * THE list of every channel between the renderer and the main process (the GitHub Desktop
 * lesson: one documented type map, typed wrappers on both sides). Each channel has an input
 * schema, checked in main before anything else runs, and a result type. The same contract is
 * carried by Electron IPC (src/main/ipc.ts) and by the local HTTP bridge (src/main/web.ts).
 */
import { z } from 'zod'
import { CLOUD_IDS } from './domain'
import type { AccountInfo, AppStatus, Catalog, CloudInfo, Host } from './domain'

const id = z.string().min(1, 'must not be empty').max(200, 'is too long')

/** RFC 1123 host name; Let's Encrypt issues for these. */
const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253, 'is too long')
  .regex(/^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/, 'must be a domain name such as tunnel.example.com')

export const tunnelInputSchema = z
  .object({
    mode: z.enum(['tcp', 'https']),
    inletsVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a release number such as 0.11.7'),
    domains: z.array(domainName).max(20, 'may list at most 20 domains').default([]),
    letsEncryptEmail: z.string().trim().toLowerCase().pipe(z.email('must be an e-mail address').regex(/^[a-z0-9._+-]{1,64}@([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'must be an e-mail address of letters, digits and . _ + - only')).optional(),
    letsEncryptIssuer: z.enum(['prod', 'staging']).default('prod'),
  })
  .superRefine((tunnel, ctx) => {
    if (tunnel.mode === 'https' && tunnel.domains.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['domains'], message: 'needs at least one domain in HTTPS mode' })
    }
    if (tunnel.mode === 'https' && !tunnel.letsEncryptEmail) {
      ctx.addIssue({ code: 'custom', path: ['letsEncryptEmail'], message: "is needed for Let's Encrypt in HTTPS mode" })
    }
  })

export const createHostInputSchema = z.object({
  /** Chosen by the renderer once per form submission: a retry with the same id never creates a second host. */
  requestId: z.uuid('must be a UUID'),
  accountId: id,
  name: z.string().min(1, 'must not be empty').max(253, 'is too long'),
  region: id,
  plan: id,
  tunnel: tunnelInputSchema,
})

export const deleteHostInputSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), hostId: id }),
  z.object({ by: z.literal('ip'), accountId: id, ip: z.ipv4('must be an IPv4 address') }),
])

export const updateCredentialInputSchema = z.object({
  accountId: id,
  credentials: z.record(z.string(), z.string().max(20_000, 'is too long')),
})

export const addAccountInputSchema = z.object({
  cloud: z.enum(CLOUD_IDS),
  label: z.string().trim().min(1, 'must not be empty').max(60, 'is at most 60 characters'),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  credentials: z.record(z.string(), z.string().max(20_000, 'is too long')),
})

const empty = z.object({}).strict()
const accountRef = z.object({ accountId: id })
const hostRef = z.object({ hostId: id })

export interface HostsSnapshot {
  hosts: Host[]
  /** ISO 8601 time of the last completed refresh, absent before the first. */
  refreshedAt?: string
  /** Goes up by one whenever anything in the snapshot changes; events carry the same number. */
  version: number
  /** Accounts whose last refresh failed, with the reason as a sentence. */
  accountErrors: Array<{ accountId: string; message: string }>
}

export interface ClientCommand {
  /** The `inlets-pro ... client` command line, token included: shown only on the user's request. */
  command: string
  token: string
}

/** The channel map: input schema and result type for each. */
export const channels = {
  'app:status': { input: empty, result: {} as AppStatus },
  'clouds:list': { input: empty, result: {} as CloudInfo[] },
  'clouds:catalog': { input: accountRef, result: {} as Catalog },
  'accounts:list': { input: empty, result: {} as AccountInfo[] },
  'accounts:add': { input: addAccountInputSchema, result: {} as AccountInfo },
  'accounts:verify': { input: accountRef, result: {} as AccountInfo },
  /** Replaces a credential (e.g. a rotated or under-scoped token): verified first, then stored. */
  'accounts:update-credential': { input: updateCredentialInputSchema, result: {} as AccountInfo },
  'accounts:remove': { input: accountRef, result: {} as { removed: true } },
  'hosts:list': { input: empty, result: {} as HostsSnapshot },
  'hosts:create': { input: createHostInputSchema, result: {} as Host },
  'hosts:delete': { input: deleteHostInputSchema, result: {} as Host },
  'hosts:client-command': { input: hostRef, result: {} as ClientCommand },
} as const

export type Channel = keyof typeof channels
export type ChannelInput<C extends Channel> = z.input<(typeof channels)[C]['input']>
export type ChannelParsed<C extends Channel> = z.output<(typeof channels)[C]['input']>
export type ChannelResult<C extends Channel> = (typeof channels)[C]['result']

export const channelNames = Object.keys(channels) as Channel[]

/** Events main pushes to the renderer. Payloads carry nothing secret. */
export interface Events {
  /** The host list changed (a refresh saw something new, or a create/delete step advanced). */
  'hosts:changed': { version: number }
  /** Accounts were added, removed or re-verified. */
  'accounts:changed': { at: string }
}
export type EventName = keyof Events
export const eventNames: EventName[] = ['hosts:changed', 'accounts:changed']

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(channels, name)
}

/** The bridge the preload (or the HTTP client) gives the renderer. */
export interface ExitdeskBridge {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<import('./errors').Envelope<ChannelResult<C>>>
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
}
