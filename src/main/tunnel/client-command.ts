/**
 * The one-line `inlets-pro ... client` command the user copies to the machine whose service
 * they want to expose, in the form inletsctl prints after `create`
 * (https://github.com/inlets/inletsctl/blob/master/cmd/create.go, the server summary):
 *
 *   inlets-pro tcp client --url "wss://IP:8123" --token "TOKEN" --upstream "127.0.0.1" --ports 2222
 *   inlets-pro http client --url "wss://IP:8123" --token "TOKEN" --upstream "DOMAIN=http://127.0.0.1:8080"
 *
 * Flags, checked against the inlets documentation:
 *   --url wss://IP:8123: auto-TLS on the control port, no /connect suffix
 *     (https://docs.inlets.dev/tutorial/manual-tcp-server/).
 *   --upstream + --ports (comma-separated) for TCP; the client decides which ports the server
 *     opens (https://docs.inlets.dev/tutorial/automated-tcp-server/). 2222 is the docs' own
 *     example (SSH moved off 22, which the exit server's own sshd holds); the user edits it.
 *   --upstream DOMAIN=URL for HTTP, repeated once per domain: "multiple upstream values were
 *     given in a single flag, separated by commas, this has now been deprecated"
 *     (https://docs.inlets.dev/reference/inletsctl/).
 *
 * One line, values in double quotes: that pastes unchanged into bash, zsh, PowerShell and
 * cmd.exe (a trailing backslash continuation would not). Every value is validated to a set
 * with no quote, `$`, backtick or space, so the double quotes cannot be broken out of.
 * The client must be inlets-pro 0.11.14 or newer to talk to a 0.11.14+ server with auto-TLS
 * (https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html).
 */
import type { TunnelMode } from '../../shared/domain'
import { invalidInput } from '../../shared/errors'
import { assertTunnelToken } from './token'
import { checkDomains, INLETS_CONTROL_PORT } from './userdata'

/** Where the client sends traffic by default; the user edits the copied command. */
export const DEFAULT_TCP_UPSTREAM = '127.0.0.1'
export const DEFAULT_TCP_PORTS = [2222]
export const DEFAULT_HTTP_UPSTREAM = 'http://127.0.0.1:8080'

export interface ClientCommandInput {
  mode: TunnelMode
  /** The exit server's public IPv4 address. */
  ipv4: string
  /** HTTPS mode: the domains the server requests certificates for. Ignored in TCP mode. */
  domains: string[]
  token: string
}

/** Dotted-quad IPv4, each part 0-255 without leading zeros (so "010.0.0.1" is refused). */
export function isIPv4(value: unknown): value is string {
  if (typeof value !== 'string') return false
  const parts = value.split('.')
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
}

export function buildClientCommand(input: ClientCommandInput): string {
  if (!isIPv4(input.ipv4)) {
    throw invalidInput('ipv4', 'The exit server has no public IPv4 address yet.')
  }
  assertTunnelToken(input.token, 'token')
  const common = ['--url', `"wss://${input.ipv4}:${INLETS_CONTROL_PORT}"`, '--token', `"${input.token}"`]

  switch (input.mode) {
    case 'tcp':
      return [
        'inlets-pro tcp client',
        ...common,
        '--upstream',
        `"${DEFAULT_TCP_UPSTREAM}"`,
        '--ports',
        DEFAULT_TCP_PORTS.join(','),
      ].join(' ')
    case 'https': {
      const upstreams = checkDomains(input.domains, 'domains').flatMap((domain) => [
        '--upstream',
        `"${domain}=${DEFAULT_HTTP_UPSTREAM}"`,
      ])
      return ['inlets-pro http client', ...common, ...upstreams].join(' ')
    }
    default:
      throw invalidInput('mode', 'The tunnel mode must be "tcp" or "https".')
  }
}
