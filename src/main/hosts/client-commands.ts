/**
 * What "Copy client command" does in main: takes the dialog's values (or the remembered ones),
 * checks them, writes the token file, checks for the inlets-pro licence, builds the command,
 * and remembers the values for next time in the ledger (so both shells, and a restart, see them).
 *
 * The token file: `<dataDir>/tunnel-tokens/<host name>-<id prefix>.token`, mode 0600 in a 0700
 * folder, the token and nothing else. The id prefix keeps two hosts of the same name (in two
 * accounts) from overwriting each other's file, and lets files of deleted hosts be recognised
 * and removed. Written on every copy, so a file deleted by the user comes back. On Windows the
 * modes are not enforced by the file system; the data folder is already per-user there.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { z } from 'zod'
import type { ClientCommand, ClientCommandDefaults, clientCommandInputSchema, Settings } from '../../shared/contract'
import { TOKEN_MODES } from '../../shared/contract'
import { invalidInput } from '../../shared/errors'
import { checkInletsRelease, DEFAULT_INLETS_VERSION } from '../../shared/inlets-versions'
import type { Ledger } from '../store/ledger'
import type { HostRecord } from '../store/records'
import {
  buildClientCommand,
  checkHttpUpstream,
  checkShellPath,
  checkTcpUpstream,
  DEFAULT_HTTP_UPSTREAM,
  DEFAULT_LICENSE_FILE,
  DEFAULT_TCP_PORTS,
  DEFAULT_TCP_UPSTREAM,
  expandHome,
  parsePorts,
} from '../tunnel/client-command'

export type ClientCommandRequest = z.output<typeof clientCommandInputSchema>

export const TOKEN_DIR = 'tunnel-tokens'
const ID_PREFIX_LENGTH = 8

/** What pricing page to send a user without a licence to (inlets.dev pricing: "A license is needed for each inlets TCP or HTTP client"). */
const PRICING_URL = 'https://inlets.dev/pricing/'

export const BUILT_IN_DEFAULTS: ClientCommandDefaults = {
  tokenMode: 'file',
  tcpUpstream: DEFAULT_TCP_UPSTREAM,
  tcpPorts: DEFAULT_TCP_PORTS,
  httpUpstream: DEFAULT_HTTP_UPSTREAM,
  clientVersion: DEFAULT_INLETS_VERSION,
  licenseFile: DEFAULT_LICENSE_FILE,
}

export interface ClientCommandsDeps {
  ledger: Ledger
  dataDir: string
  /** The host, checked to be connectable now, with its token (HostService.copyableTunnel). */
  tunnelOf(hostId: string): Promise<{ record: HostRecord & { ipv4: string }; token: string }>
  /** Tests point this at a temporary folder. */
  homeDir?: string
}

export class ClientCommands {
  constructor(private readonly deps: ClientCommandsDeps) {}

  /** The dialog's prefill: the remembered values over the built-in ones. */
  settings(): Pick<Settings, 'clientCommand'> {
    return { clientCommand: remembered(this.deps.ledger.read().settings?.clientCommand) }
  }

  async build(request: ClientCommandRequest): Promise<ClientCommand> {
    const { record, token } = await this.deps.tunnelOf(request.hostId)
    const last = this.settings().clientCommand
    const mode = record.tunnel.mode
    const notes: string[] = []

    // Everything is checked before anything is written.
    const clientVersion = request.clientVersion ?? last.clientVersion
    const client = checkInletsRelease(clientVersion, 'clientVersion')
    if (client.status === 'refused') throw invalidInput('clientVersion', client.message)
    if (client.status === 'newer') notes.push(client.warning)
    const server = checkInletsRelease(record.tunnel.inletsVersion)
    if (server.status === 'newer') notes.push(`About this host: ${server.warning}`)
    const licenseFile = checkShellPath(request.licenseFile ?? last.licenseFile, 'licenseFile')
    const tcpUpstream = mode === 'tcp' ? checkTcpUpstream(request.upstream ?? last.tcpUpstream) : last.tcpUpstream
    const httpUpstream = mode === 'https' ? checkHttpUpstream(request.upstream ?? last.httpUpstream) : last.httpUpstream
    // Ports are a TCP-mode choice; an HTTPS host keeps the remembered TCP ports untouched.
    const ports = mode === 'tcp' ? parsePorts(request.ports ?? last.tcpPorts) : []

    const tokenFile = request.tokenMode === 'file' ? this.tokenFilePath(record) : undefined
    // Fails here, before the file is written, if the data folder's path cannot be quoted safely.
    if (tokenFile) checkShellPath(tokenFile, 'tokenFile')
    const built = buildClientCommand({
      mode,
      ipv4: record.ipv4,
      domains: record.tunnel.domains,
      auth: tokenFile ? { kind: 'file', path: tokenFile } : { kind: 'inline', token },
      serverVersion: record.tunnel.inletsVersion,
      clientVersion,
      upstream: mode === 'tcp' ? tcpUpstream : httpUpstream,
      ports,
      licenseFile,
    })

    if (tokenFile) {
      await writeTokenFile(tokenFile, token)
      notes.push(`The token was written to ${tokenFile} (readable only by you). Copy that file to the computer that runs the client, at the same path, or edit --token-file.`)
    } else {
      notes.push('The token is in the command itself: it will be visible in ps and kept in your shell history.')
    }
    const licenseFound = await exists(expandHome(licenseFile, this.deps.homeDir ?? homedir()))
    if (!licenseFound) {
      notes.push(`No inlets-pro licence at ${licenseFile} on this computer. inlets-pro clients need one (${PRICING_URL}): put it there, or set its path.`)
    }
    if (built.autoTlsLegacy) {
      notes.push(`--auto-tls-legacy was added: this host runs inlets-pro ${record.tunnel.inletsVersion}, older than your ${clientVersion} client's hardened auto-TLS.`)
    }

    await this.remember({ tokenMode: request.tokenMode, tcpUpstream, tcpPorts: mode === 'tcp' ? ports.join(',') : last.tcpPorts, httpUpstream, clientVersion, licenseFile })
    await this.pruneTokenFiles().catch(() => undefined)
    return { command: built.command, tokenMode: request.tokenMode, tokenFile, licenseFile, licenseFound, notes }
  }

  /** Removes token files whose host is no longer in the ledger (deleted hosts leave no secret behind). */
  async pruneTokenFiles(): Promise<void> {
    const dir = join(this.deps.dataDir, TOKEN_DIR)
    let names: string[]
    try {
      names = await fs.readdir(dir)
    } catch {
      return
    }
    const live = new Set(this.deps.ledger.read().hosts.map((h) => tokenFileName(h)))
    await Promise.all(names.filter((name) => name.endsWith('.token') && !live.has(name)).map((name) => fs.rm(join(dir, name), { force: true })))
  }

  private tokenFilePath(record: HostRecord): string {
    return join(this.deps.dataDir, TOKEN_DIR, tokenFileName(record))
  }

  private async remember(values: ClientCommandDefaults): Promise<void> {
    await this.deps.ledger.update((data) => {
      data.settings = { ...data.settings, clientCommand: values }
    })
  }
}

/** "<name>-<id prefix>.token"; a name outside a plain file-name set is left out. */
export function tokenFileName(record: Pick<HostRecord, 'id' | 'name'>): string {
  const id = record.id.replace(/[^A-Za-z0-9]/g, '').slice(0, ID_PREFIX_LENGTH)
  const name = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(record.name) ? `${record.name}-` : ''
  return `${name}${id}.token`
}

/** The token and nothing else, mode 0600, in a 0700 folder; replaced atomically (a reader never sees half a token). */
async function writeTokenFile(path: string, token: string): Promise<void> {
  const dir = dirname(path)
  await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  await fs.chmod(dir, 0o700)
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    // `wx`: never follows or reuses an existing file; the mode applies from the first byte.
    await fs.writeFile(temporary, token, { mode: 0o600, flag: 'wx' })
    await fs.rename(temporary, path)
  } catch (error) {
    await fs.rm(temporary, { force: true })
    throw error
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path)
    return true
  } catch {
    return false
  }
}

/** Stored values of the expected type win; anything else falls back to the built-in value. */
function remembered(stored: Partial<ClientCommandDefaults> | undefined): ClientCommandDefaults {
  const text = (key: Exclude<keyof ClientCommandDefaults, 'tokenMode'>): string => {
    const value = stored?.[key]
    return typeof value === 'string' && value.length > 0 && value.length <= 1024 ? value : BUILT_IN_DEFAULTS[key]
  }
  const tokenMode = TOKEN_MODES.find((m) => m === stored?.tokenMode) ?? BUILT_IN_DEFAULTS.tokenMode
  return {
    tokenMode,
    tcpUpstream: text('tcpUpstream'),
    tcpPorts: text('tcpPorts'),
    httpUpstream: text('httpUpstream'),
    clientVersion: text('clientVersion'),
    licenseFile: text('licenseFile'),
  }
}
