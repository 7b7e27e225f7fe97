/**
 * The one-line `inlets-pro ... client` command the user copies to the machine whose service
 * they want to expose, in the form inletsctl prints after `create`
 * (https://github.com/inlets/inletsctl/blob/master/cmd/create.go, the server summary):
 *
 *   inlets-pro tcp client --url "wss://IP:8123" --token "TOKEN" --upstream "127.0.0.1" --ports 2222
 *   inlets-pro http client --url "wss://IP:8123" --token "TOKEN" --upstream "DOMAIN=http://127.0.0.1:8080"
 *
 * with three changes that make it work when pasted:
 *   --license-file "<path>": "The server component runs without a license key, but the client
 *     requires a valid license" (https://github.com/inlets/inlets-pro, README); "The client will
 *     look for your license in $HOME/.inlets/LICENSE, but you can also use the
 *     --license/--license-file flag" (https://docs.inlets.dev/reference/inletsctl/).
 *   --token-file "<path>" by default instead of --token: a token on the command line is visible
 *     to every local user in `ps` and stays in shell history. inlets documents --token-file for
 *     clients too (inlets.dev `_includes/cli.html`; the inlets-operator client Deployment);
 *     the inline --token form stays available as an explicit choice.
 *   --auto-tls-legacy exactly when a 0.11.14+ client talks to an older server: 0.11.14 hardened
 *     auto-TLS (https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html) and inletsctl PR #140
 *     "verified inlets-pro 0.11.14 client fails without --auto-tls-legacy"; an older client does
 *     not know the flag, so it is never added for one.
 *
 * Other flags, checked against the inlets documentation:
 *   --url wss://IP:8123: auto-TLS on the control port, no /connect suffix
 *     (https://docs.inlets.dev/tutorial/manual-tcp-server/).
 *   --upstream + --ports (comma-separated) for TCP; the client decides which ports the server
 *     opens (https://docs.inlets.dev/tutorial/automated-tcp-server/).
 *   --upstream DOMAIN=URL for HTTP, repeated once per domain: "multiple upstream values were
 *     given in a single flag, separated by commas, this has now been deprecated"
 *     (https://docs.inlets.dev/reference/inletsctl/).
 *
 * One line, values in double quotes, every value validated to a set with no quote, backtick,
 * `!` or `$` (except a leading `$HOME/`), so the double quotes cannot be broken out of. It
 * pastes into bash, zsh and PowerShell: inside double quotes all three expand `$HOME` (in
 * PowerShell it is an automatic variable, the user's profile folder:
 * https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_automatic_variables#home).
 * cmd.exe does not expand `$HOME`; there the licence path must be given as an absolute path.
 */
import type { TunnelMode } from '../../shared/domain'
import { invalidInput } from '../../shared/errors'
import { needsAutoTlsLegacy, parseRelease } from '../../shared/inlets-versions'
import { assertTunnelToken } from './token'
import { checkDomains, checkInletsVersion, INLETS_CONTROL_PORT } from './userdata'

/** Prefills of the copy dialog until the user picks their own (then the last values are remembered). */
export const DEFAULT_TCP_UPSTREAM = '127.0.0.1'
/** The inlets docs' own example: SSH moved off 22, which the exit server's own sshd holds. */
export const DEFAULT_TCP_PORTS = '2222'
export const DEFAULT_HTTP_UPSTREAM = 'http://127.0.0.1:8080'
/** inlets-pro's own default licence location (docs.inlets.dev reference/inletsctl.md, quoted above). */
export const DEFAULT_LICENSE_FILE = '$HOME/.inlets/LICENSE'

export const MAX_PORTS = 64

/** How the client gets its token: a file it reads (default), or the value on the command line. */
export type ClientAuth = { kind: 'file'; path: string } | { kind: 'inline'; token: string }

export interface ClientCommandInput {
  mode: TunnelMode
  /** The exit server's public IPv4 address. */
  ipv4: string
  /** HTTPS mode: the domains the server requests certificates for. Ignored in TCP mode. */
  domains: string[]
  auth: ClientAuth
  /** The inlets-pro release on the server, and the one the user runs as the client. */
  serverVersion: string
  clientVersion: string
  /** TCP: a host name or IPv4; HTTPS: an http(s) URL, used for every domain. */
  upstream: string
  /** TCP only: the ports to forward. */
  ports: number[]
  /** A path in the form `checkShellPath` returns. */
  licenseFile: string
}

export interface BuiltClientCommand {
  command: string
  /** True when --auto-tls-legacy was added (an old server, a hardened client). */
  autoTlsLegacy: boolean
}

/** Dotted-quad IPv4, each part 0-255 without leading zeros (so "010.0.0.1" is refused). */
export function isIPv4(value: unknown): value is string {
  if (typeof value !== 'string') return false
  const parts = value.split('.')
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
}

/** A DNS host name (letters, digits, hyphens; dot-separated labels), e.g. "localhost" or "nas.lan". */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

function isHost(value: string): boolean {
  return isIPv4(value) || (HOST_NAME.test(value) && !/^[\d.]+$/.test(value))
}

/** TCP upstream: where the client forwards the ports, a host name or an IPv4 address. */
export function checkTcpUpstream(value: string, field = 'upstream'): string {
  const upstream = value.trim()
  if (!isHost(upstream)) {
    throw invalidInput(field, `${field} must be a host name or IPv4 address such as 127.0.0.1 (no scheme, no port).`)
  }
  return upstream
}

/** HTTP upstream: http(s)://host[:port], the local service every domain is sent to. */
export function checkHttpUpstream(value: string, field = 'upstream'): string {
  const upstream = value.trim()
  const match = /^(https?):\/\/([^:/]+)(?::(\d{1,5}))?\/?$/.exec(upstream)
  const port = match?.[3] === undefined ? undefined : Number(match[3])
  if (!match || !isHost(match[2]!) || (port !== undefined && (port < 1 || port > 65535))) {
    throw invalidInput(field, `${field} must be a URL such as http://127.0.0.1:8080 (http or https, a host, an optional port).`)
  }
  return upstream.replace(/\/$/, '')
}

/** "2222, 8080" -> [2222, 8080]: 1-65535, comma-separated, repeats dropped. */
export function parsePorts(text: string, field = 'ports'): number[] {
  const parts = text.split(',').map((part) => part.trim())
  const ports: number[] = []
  for (const part of parts) {
    const port = /^\d{1,5}$/.test(part) ? Number(part) : Number.NaN
    if (!(port >= 1 && port <= 65535)) {
      throw invalidInput(field, `${field} must be TCP ports from 1 to 65535, separated by commas, such as 2222,8080.`)
    }
    if (!ports.includes(port)) ports.push(port)
  }
  if (ports.length > MAX_PORTS) throw invalidInput(field, `${field} may list at most ${MAX_PORTS} ports.`)
  return ports
}

/**
 * A file path for the command line, in the form it will be written there: absolute
 * ("/home/me/LICENSE", "C:\Users\me\LICENSE") or under the home folder ("$HOME/…"; "~/…" is
 * rewritten to "$HOME/…" because a shell does not expand "~" inside double quotes). Only
 * characters that mean nothing inside double quotes are allowed, and no trailing backslash
 * (`\"` would escape the closing quote).
 */
export function checkShellPath(value: string, field: string): string {
  const path = value.trim().replace(/^~\//, '$HOME/')
  const rest = path.startsWith('$HOME/') ? path.slice('$HOME/'.length) : path
  const absolute = path !== rest || rest.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rest)
  if (!absolute || !/^[A-Za-z0-9 ._/\\:+,@=~-]+$/.test(rest) || rest.endsWith('\\') || rest.length > 1024) {
    throw invalidInput(
      field,
      `${field} must be an absolute path or start with $HOME/ or ~/, using letters, digits, spaces and . _ - / \\ : + , @ = ~ only.`,
    )
  }
  return path
}

/** The path a `checkShellPath` value names on this computer ("$HOME/x" -> "<home>/x"). */
export function expandHome(shellPath: string, homeDir: string): string {
  return shellPath.startsWith('$HOME/') ? `${homeDir.replace(/[\\/]$/, '')}/${shellPath.slice('$HOME/'.length)}` : shellPath
}

function authFlags(auth: ClientAuth): string[] {
  if (auth.kind === 'inline') {
    assertTunnelToken(auth.token, 'token')
    return ['--token', `"${auth.token}"`]
  }
  return ['--token-file', `"${checkShellPath(auth.path, 'tokenFile')}"`]
}

export function buildClientCommand(input: ClientCommandInput): BuiltClientCommand {
  if (!isIPv4(input.ipv4)) {
    throw invalidInput('ipv4', 'The exit server has no public IPv4 address yet.')
  }
  // The server's release is whatever was installed, possibly by an older Exitdesk: it only has
  // to be a release number. The client's must be one Exitdesk knows (or a plausible newer one).
  const serverVersion = input.serverVersion
  if (!parseRelease(serverVersion)) throw invalidInput('serverVersion', "The exit server's inlets-pro version is not known, so the client flags cannot be chosen.")
  const clientVersion = checkInletsVersion(input.clientVersion, 'clientVersion')
  const autoTlsLegacy = needsAutoTlsLegacy(clientVersion, serverVersion)
  const common = [
    '--url',
    `"wss://${input.ipv4}:${INLETS_CONTROL_PORT}"`,
    ...authFlags(input.auth),
    '--license-file',
    `"${checkShellPath(input.licenseFile, 'licenseFile')}"`,
  ]
  const legacy = autoTlsLegacy ? ['--auto-tls-legacy'] : []

  switch (input.mode) {
    case 'tcp': {
      const upstream = checkTcpUpstream(input.upstream)
      const ports = parsePorts(input.ports.join(','))
      const words = ['inlets-pro tcp client', ...common, '--upstream', `"${upstream}"`, '--ports', ports.join(','), ...legacy]
      return { command: words.join(' '), autoTlsLegacy }
    }
    case 'https': {
      const upstream = checkHttpUpstream(input.upstream)
      const upstreams = checkDomains(input.domains, 'domains').flatMap((domain) => ['--upstream', `"${domain}=${upstream}"`])
      return { command: ['inlets-pro http client', ...common, ...upstreams, ...legacy].join(' '), autoTlsLegacy }
    }
    default:
      throw invalidInput('mode', 'The tunnel mode must be "tcp" or "https".')
  }
}
