/**
 * THE list of every channel between the renderer and the main process (the GitHub Desktop
 * lesson: one documented type map, typed wrappers on both sides). Each channel has an input
 * schema, checked in main before anything else runs, and a result type. The same contract is
 * carried by Electron IPC (src/main/ipc.ts) and by the local HTTP bridge (src/main/web.ts).
 */
import { z } from 'zod'
import { AUTO_TEARDOWN_CHOICES, CLOUD_IDS } from './domain'
import type { AccountInfo, AppStatus, AutoTeardownChoice, Catalog, CloudInfo, Host } from './domain'
import { checkInletsRelease } from './inlets-versions'

const id = z.string().min(1, 'must not be empty').max(200, 'is too long')

const autoTeardownChoice = z.enum(AUTO_TEARDOWN_CHOICES, { error: `must be one of ${AUTO_TEARDOWN_CHOICES.join(', ')}` })

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
    inletsVersion: z.string().trim().regex(/^\d+\.\d+\.\d+$/, 'must be a release number such as 0.11.14'),
    domains: z.array(domainName).max(20, 'may list at most 20 domains').default([]),
    /**
     * inlets-pro's http server dropped --letsencrypt-email in February 2026 (inlets/inletsctl
     * commit 845e34a; see ./inlets-versions). A caller that still sends an e-mail is told so by
     * name instead of having it silently dropped: it may expect the address to be used.
     */
    letsEncryptEmail: z
      .unknown()
      .refine((value) => value === undefined, { message: 'is no longer used: inlets-pro removed the --letsencrypt-email flag in February 2026, so leave it out' })
      .transform((): undefined => undefined)
      .optional(),
    letsEncryptIssuer: z.enum(['prod', 'staging']).default('prod'),
  })
  .superRefine((tunnel, ctx) => {
    if (tunnel.mode === 'https' && tunnel.domains.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['domains'], message: 'needs at least one domain in HTTPS mode' })
    }
    const release = checkInletsRelease(tunnel.inletsVersion)
    if (release.status === 'refused') ctx.addIssue({ code: 'custom', path: ['inletsVersion'], message: release.reason })
  })

export const createHostInputSchema = z.object({
  /** Chosen by the renderer once per form submission: a retry with the same id never creates a second host. */
  requestId: z.uuid('must be a UUID'),
  accountId: id,
  name: z.string().min(1, 'must not be empty').max(253, 'is too long'),
  region: id,
  plan: id,
  tunnel: tunnelInputSchema,
  /** "Delete after": absent means the default in Settings. */
  deleteAfter: autoTeardownChoice.optional(),
})

export const deleteHostInputSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), hostId: id }),
  z.object({ by: z.literal('ip'), accountId: id, ip: z.ipv4('must be an IPv4 address') }),
])

export const updateCredentialInputSchema = z.object({
  accountId: id,
  credentials: z.record(z.string(), z.string().max(20_000, 'is too long')),
})

/** `clouds:prepare`: the cloud the user just picked in the account form. */
export const prepareCloudInputSchema = z.object({ cloud: z.enum(CLOUD_IDS) }).strict()

export const addAccountInputSchema = z.object({
  cloud: z.enum(CLOUD_IDS),
  label: z.string().trim().min(1, 'must not be empty').max(60, 'is at most 60 characters'),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  credentials: z.record(z.string(), z.string().max(20_000, 'is too long')),
})

/** Changes (or, with "never", cancels) a host's auto-teardown; the deadline counts from now. */
export const setAutoTeardownInputSchema = z.object({ hostId: id, after: autoTeardownChoice }).strict()

/** The auto-teardown settings: each field absent is left as it is. */
export const autoTeardownSettingsInputSchema = z
  .object({
    defaultAfter: autoTeardownChoice.optional(),
    teardownOnQuit: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()

/** The desktop shell's window settings: each field absent is left as it is. */
export const windowSettingsInputSchema = z
  .object({
    keepRunningInTray: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()

const empty = z.object({}).strict()
const accountRef = z.object({ accountId: id })
const hostRef = z.object({ hostId: id })

export const TOKEN_MODES = ['file', 'inline'] as const
export type TokenMode = (typeof TOKEN_MODES)[number]

/**
 * What the user chose in the copy dialog. The values are checked in main
 * (src/main/tunnel/client-command.ts), which names the field at fault; here only their size.
 */
export const clientCommandInputSchema = z.object({
  hostId: id,
  /** "file" (default): the token goes to a 0600 file read with --token-file; "inline": on the command line. */
  tokenMode: z.enum(TOKEN_MODES).default('file'),
  /** TCP: a host name or IP; HTTPS: an http(s)://host:port URL. Absent: the remembered value. */
  upstream: z.string().trim().max(300, 'is too long').optional(),
  /** TCP only: comma-separated ports, e.g. "2222,8080". Absent: the remembered value. */
  ports: z.string().trim().max(300, 'is too long').optional(),
  clientVersion: z.string().trim().max(20, 'is too long').optional(),
  licenseFile: z.string().trim().max(1024, 'is too long').optional(),
})

/** `hosts:list` input: the version the caller already shows, if any. */
export const hostsListInputSchema = z
  .object({
    /** The snapshot version the caller has: the answer is `HostsUnchanged` when nothing changed since, else `HostsChanges` when main can tell what changed. */
    since: z.number().int('must be a whole number').nonnegative('must not be negative').optional(),
  })
  .strict()

/** "Nothing changed since the version you have" — a few bytes instead of every host. */
export interface HostsUnchanged {
  unchanged: true
  version: number
  /** ISO 8601 time of the last completed refresh: it moves on even when nothing changed. */
  refreshedAt?: string
}

/**
 * Only what changed since the version the caller has (`since`): the hosts new or changed since,
 * in list order, and the ids of those removed. One changed host out of 5,000 is a few hundred
 * bytes instead of every host. A caller that does not show version `since` asks for everything.
 */
export interface HostsChanges {
  since: number
  version: number
  /** ISO 8601 time of the last completed refresh. */
  refreshedAt?: string
  hosts: Host[]
  removed: string[]
  /** Accounts whose last refresh failed, with the reason as a sentence (always complete). */
  accountErrors: Array<{ accountId: string; message: string }>
}

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
  /** The `inlets-pro ... client` command line (with the token only in "inline" mode). */
  command: string
  tokenMode: TokenMode
  /** "file" mode: where main wrote the token (mode 0600), as named in the command. */
  tokenFile?: string
  /** The licence path as named in the command, e.g. "$HOME/.inlets/LICENSE". */
  licenseFile: string
  /** Whether that file exists on this computer (the client may run elsewhere). */
  licenseFound: boolean
  /** Plain sentences for the user: where the token went, a missing licence, a flag added... */
  notes: string[]
}

/** The copy dialog's values as last used (remembered in the ledger, so both shells share them). */
export interface ClientCommandDefaults {
  tokenMode: TokenMode
  tcpUpstream: string
  tcpPorts: string
  httpUpstream: string
  clientVersion: string
  licenseFile: string
}

export interface AutoTeardownSettings {
  /** What "Delete after" starts at in the create form, and what a create without it gets. */
  defaultAfter: AutoTeardownChoice
  /** Whether quitting Exitdesk tears down every host (the shell asks first, listing them). */
  teardownOnQuit: boolean
}

export interface WindowSettings {
  /**
   * Desktop shell: closing the window while any host is running (or being torn down) keeps
   * Exitdesk in the tray, so auto-teardown and teardown steps go on. Off: closing quits.
   */
  keepRunningInTray: boolean
}

export interface Settings {
  clientCommand: ClientCommandDefaults
  autoTeardown: AutoTeardownSettings
  window: WindowSettings
}

/** One recorded moment of a host's life: a create or teardown step, an error, a notice. */
export interface HostTimelineEntry {
  /** ISO 8601. */
  at: string
  kind: 'step' | 'error' | 'notice'
  /** A plain sentence, redacted like everything leaving main. */
  text: string
}

/** Something Exitdesk made in the cloud for a host, with a link to it in the provider's console. */
export interface HostResource {
  kind: 'instance' | 'firewall' | 'security-group' | 'public-ip' | 'network-interface' | 'disk' | 'tag' | 'ip-address'
  /** The provider's id or name for it. */
  id: string
  /** Words for the kind in the provider's terms, e.g. "Droplet", "Security group". */
  label: string
  /** https:// link into the provider's console; absent where there is no page for it (or the simulated cloud). */
  consoleUrl?: string
}

/** Everything the host details panel shows beyond the table row. Nothing secret. */
export interface HostDetails {
  host: Host
  /** What Exitdesk made in the cloud for this host (instance first). */
  resources: HostResource[]
  /** The tags (or labels) the instance carries, as the cloud spells them. */
  tags: string[]
  /** Oldest first, the most recent entries only (main keeps a bounded number per host). */
  timeline: HostTimelineEntry[]
  /** The image the host was created from, in words, e.g. "Ubuntu 24.04 LTS". */
  image?: string
}

/** The channel map: input schema and result type for each. */
export const channels = {
  'app:status': { input: empty, result: {} as AppStatus },
  'clouds:list': { input: empty, result: {} as CloudInfo[] },
  'clouds:catalog': { input: accountRef, result: {} as Catalog },
  /**
   * The user picked this cloud in the account form: main loads what its first call needs (an
   * SDK) in the background, while the credential is typed, so no later call waits for it.
   */
  'clouds:prepare': { input: prepareCloudInputSchema, result: {} as { preparing: boolean } },
  'accounts:list': { input: empty, result: {} as AccountInfo[] },
  'accounts:add': { input: addAccountInputSchema, result: {} as AccountInfo },
  'accounts:verify': { input: accountRef, result: {} as AccountInfo },
  /** Replaces a credential (e.g. a rotated or under-scoped token): verified first, then stored. */
  'accounts:update-credential': { input: updateCredentialInputSchema, result: {} as AccountInfo },
  'accounts:remove': { input: accountRef, result: {} as { removed: true } },
  /** Every host, or "unchanged" when `since` is the current version. */
  'hosts:list': { input: hostsListInputSchema, result: {} as HostsSnapshot | HostsChanges | HostsUnchanged },
  'hosts:create': { input: createHostInputSchema, result: {} as Host },
  'hosts:delete': { input: deleteHostInputSchema, result: {} as Host },
  /** Builds the client command from the dialog's values (remembered for next time); "file" mode writes the token file. */
  'hosts:client-command': { input: clientCommandInputSchema, result: {} as ClientCommand },
  /** The host's tunnel token on its own, for an explicit "Copy token". */
  'hosts:tunnel-token': { input: hostRef, result: {} as { token: string } },
  /** Sets or cancels ("never") a host's auto-teardown, counted from now. */
  'hosts:set-auto-teardown': { input: setAutoTeardownInputSchema, result: {} as Host },
  /** One host with what only its details panel shows: the resources made for it, tags and timeline. */
  'hosts:details': { input: hostRef, result: {} as HostDetails },
  'settings:get': { input: empty, result: {} as Settings },
  'settings:set-window': { input: windowSettingsInputSchema, result: {} as Settings },
  'settings:set-auto-teardown': { input: autoTeardownSettingsInputSchema, result: {} as Settings },
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
  /** Something the user should hear about even with the window hidden; main decides, windows show it. */
  notify: Notice
}
export type EventName = keyof Events
export const eventNames: EventName[] = ['hosts:changed', 'accounts:changed', 'notify']

export const NOTICE_KINDS = ['host-ready', 'teardown-finished', 'credential-failing', 'create-refused', 'auto-teardown-soon'] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]

/** One notification: a title and one sentence, redacted like every event. */
export interface Notice {
  /** Unique per notice, so a window can tell a repeat from a new one. */
  id: string
  kind: NoticeKind
  title: string
  body: string
  /** ISO 8601. */
  at: string
  hostId?: string
  accountId?: string
}

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(channels, name)
}

/** The bridge the preload (or the HTTP client) gives the renderer. */
export interface ExitdeskBridge {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<import('./errors').Envelope<ChannelResult<C>>>
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
}
