import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { DIGITALOCEAN_MANIFEST } from '../../src/main/clouds/digitalocean/manifest'
import { KNOWN_INLETS_RELEASES } from '../../src/shared/inlets-versions'
import { generateTunnelToken } from '../../src/main/tunnel/token'
import { buildUserData, cloudUserDataOptions, DEFAULT_INLETS_VERSION, shellQuote, TOKEN_FILE, type UserDataInput } from '../../src/main/tunnel/userdata'
import { appErrorOf } from '../support/app-error'

const token = generateTunnelToken()

const tcp: UserDataInput = {
  mode: 'tcp',
  inletsVersion: DEFAULT_INLETS_VERSION,
  domains: [],
  letsEncryptIssuer: 'prod',
  token,
}

const httpsOne: UserDataInput = {
  mode: 'https',
  inletsVersion: '0.11.14',
  domains: ['tunnel.example.com'],
  letsEncryptIssuer: 'prod',
  token,
}

const httpsSeveral: UserDataInput = {
  mode: 'https',
  inletsVersion: '0.11.13',
  domains: ['grafana.example.com', 'openfaas.example.org', 'a-b.c.example.dev'],
  letsEncryptIssuer: 'staging',
  token,
}

/** DigitalOcean's metadata path, as the manifest names it. */
const metadataUrl = DIGITALOCEAN_MANIFEST.publicIpv4MetadataUrl!

const cases = [
  ['TCP', tcp],
  ['TCP, with a metadata URL', { ...tcp, publicIpv4Url: metadataUrl }],
  ['HTTPS, one domain, prod issuer', httpsOne],
  ['HTTPS, several domains, staging issuer, metadata URL', { ...httpsSeveral, publicIpv4Url: metadataUrl }],
  ['HTTPS on a cloud with no firewall (ufw)', { ...httpsOne, hostFirewall: true }],
  ['TCP on a cloud with no firewall', { ...tcp, hostFirewall: true }],
] as const

/**
 * Runs the script's public-IP step (from "# 2." up to the line that writes the address) with a
 * stand-in `curl` on PATH that records its arguments and answers from `answers` (an argument
 * substring -> the text it prints; no match -> it fails like curl does).
 */
function runPublicIpStep(script: string, answers: Record<string, string>): { status: number | null; ip: string; calls: string[] } {
  const start = script.indexOf('# 2. The public IPv4')
  const end = script.indexOf(`printf 'IP=%s\\n'`)
  if (start < 0 || end < 0) throw new Error('no public-IP step in the script')
  const dir = mkdtempSync(join(tmpdir(), 'exitdesk-curl-'))
  try {
    const log = join(dir, 'calls.log')
    const cases = Object.entries(answers)
      .map(([match, reply]) => `  *${shellQuote(match)}*) printf '%s\\n' ${shellQuote(reply)}; exit 0 ;;`)
      .join('\n')
    writeFileSync(join(dir, 'curl'), `#!/bin/bash\necho "$*" >> ${shellQuote(log)}\ncase "$*" in\n${cases}\nesac\nexit 7\n`, { mode: 0o755 })
    const step = `set -euo pipefail\n${script.slice(start, end)}printf '%s' "$PUBLIC_IP"\n`
    const result = spawnSync('bash', ['-c', step], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } })
    const calls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
    return { status: result.status, ip: result.stdout, calls }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs shellcheck on the script; fails loudly when shellcheck is not installed. */
function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: script, encoding: 'utf8' })
  if (result.error) {
    throw new Error(
      `shellcheck could not be run (${result.error.message}). Install it (apt-get install shellcheck); CI installs it.`,
    )
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

/** The unit file the script writes: the lines between the quoted heredoc markers. */
function unitOf(script: string): string {
  const match = /<<'UNIT'\n([\s\S]*?)\nUNIT\n/.exec(script)
  if (!match?.[1]) throw new Error('no unit heredoc in the script')
  return `${match[1]}\n`
}

/** The ExecStart value with systemd's line continuations joined. */
function execStartOf(script: string): string {
  const unit = unitOf(script).replace(/ \\\n\s*/g, ' ')
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='))
  if (!line) throw new Error('no ExecStart line')
  return line.slice('ExecStart='.length)
}


const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0

describe('buildUserData', () => {
  describe.each(cases)('%s', (_name, settings) => {
    const script = buildUserData(settings)

    it('is a fail-fast bash script', () => {
      expect(script.startsWith('#!/bin/bash\n')).toBe(true)
      expect(script).toMatch(/^set -euo pipefail$/m)
      expect(script).toMatch(/^umask 077$/m)
    })

    it('passes shellcheck with no findings', () => {
      const { status, output } = shellcheck(script)
      expect(status, `shellcheck reported:\n${output}\n--- script ---\n${script}`).toBe(0)
      expect(output).toBe('')
    })

    it('is valid bash syntax (bash -n)', () => {
      const result = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' })
      expect(result.status, result.stderr).toBe(0)
    })

    it('downloads the chosen version for the machine architecture from the GitHub release', () => {
      expect(script).toContain(`INLETS_VERSION='${settings.inletsVersion}'`)
      expect(script).toContain('https://github.com/inlets/inlets-pro/releases/download/$INLETS_VERSION/$ASSET')
      expect(script).toMatch(/^ARCH="\$\(uname -m\)"$/m)
      expect(script).toMatch(/^ {2}x86_64 \| amd64\) ASSET=inlets-pro ;;$/m)
      expect(script).toMatch(/^ {2}aarch64 \| arm64\) ASSET=inlets-pro-arm64 ;;$/m)
      // An unknown CPU stops the script instead of installing the wrong binary.
      expect(script).toMatch(/\*\)\n\s+echo "exitdesk: no inlets-pro build for \$ARCH" >&2\n\s+exit 1/)
      expect(script).toContain('install -m 0755 "$DOWNLOAD_DIR/inlets-pro" /usr/local/bin/inlets-pro')
    })

    it('writes the token once, with a builtin, to a root-only file, and nowhere else', () => {
      const lines = script.split('\n').filter((line) => line.includes(settings.token))
      expect(lines).toEqual([`printf '%s' '${settings.token}' > ${TOKEN_FILE}`])
      expect(script).toContain(`install -d -m 0700 /var/lib/inlets-pro`)
      expect(script).toContain(`chmod 0600 ${TOKEN_FILE}`)
      // The server reads the file; no --token flag carries the value on a command line.
      expect(execStartOf(script)).toContain(`--token-file=${TOKEN_FILE}`)
      expect(script).not.toMatch(/--token[= ](?!file)/)
      expect(script).not.toMatch(/AUTHTOKEN|export .*TOKEN/)
    })

    it('discovers the public IP at boot and names it in the auto-TLS certificate', () => {
      // Forced onto IPv4: on a dual-stack host a plain curl may ask over IPv6 and get an IPv6 answer.
      expect(script).toContain('curl -4 -fsS --retry 10 --retry-delay 3 --retry-connrefused --max-time 10 https://checkip.amazonaws.com')
      expect(script).toContain(`printf 'IP=%s\\n' "$PUBLIC_IP" > /etc/default/inlets-pro`)
      expect(unitOf(script)).toContain('EnvironmentFile=/etc/default/inlets-pro')
      expect(execStartOf(script)).toContain('--auto-tls --auto-tls-san=${IP}')
    })

    it('installs, enables and starts inlets-pro.service', () => {
      expect(script).toContain("cat > /etc/systemd/system/inlets-pro.service <<'UNIT'")
      expect(unitOf(script)).toMatch(/^Restart=always$/m)
      expect(unitOf(script)).toMatch(/^WantedBy=multi-user.target$/m)
      // The last step, but for the host firewall of a cloud that has none (it closes the server once the tunnel is up).
      expect(script).toMatch(/systemctl daemon-reload\nsystemctl enable --now inlets-pro.service\n(\n# 5\. No firewall[^]*)?$/)
    })

    it.skipIf(!hasSystemdAnalyze)('writes a unit systemd accepts (systemd-analyze verify)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'exitdesk-unit-'))
      try {
        // verify insists the binary exists; /bin/echo stands in for /usr/local/bin/inlets-pro.
        const unit = unitOf(script).replace('/usr/local/bin/inlets-pro', '/bin/echo')
        writeFileSync(join(dir, 'inlets-pro.service'), unit)
        const result = spawnSync('systemd-analyze', ['verify', '--man=no', 'inlets-pro.service'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 20_000,
        })
        expect(result.status, `${result.stdout}${result.stderr}\n--- unit ---\n${unit}`).toBe(0)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  describe('TCP mode', () => {
    const execStart = execStartOf(buildUserData(tcp))

    it('runs a TCP server and lets the client choose the ports', () => {
      expect(execStart).toBe(
        `/usr/local/bin/inlets-pro tcp server --auto-tls --auto-tls-san=\${IP} --token-file=${TOKEN_FILE}`,
      )
      expect(buildUserData(tcp)).not.toContain('letsencrypt')
    })

    it('ignores domains, which only HTTPS mode uses', () => {
      expect(buildUserData({ ...tcp, domains: ['unused.example.com'] })).not.toContain('unused.example.com')
    })
  })

  describe('the public IPv4 lookup', () => {
    const withMetadata = buildUserData({ ...tcp, publicIpv4Url: metadataUrl })

    it("asks the cloud's metadata service first, and nothing else when it answers", () => {
      const run = runPublicIpStep(withMetadata, { '169.254.169.254': '198.51.100.7' })
      expect(run.status).toBe(0)
      expect(run.ip).toBe('198.51.100.7')
      expect(run.calls).toHaveLength(1)
      expect(run.calls[0]).toContain(metadataUrl)
    })

    it('falls back to the outside service over IPv4 when the metadata service fails', () => {
      const run = runPublicIpStep(withMetadata, { 'checkip.amazonaws.com': '198.51.100.8' })
      expect(run.status).toBe(0)
      expect(run.ip).toBe('198.51.100.8')
      expect(run.calls).toHaveLength(2)
      expect(run.calls[0]).toContain(metadataUrl)
      expect(run.calls[1]).toMatch(/^-4 .*https:\/\/checkip\.amazonaws\.com$/)
    })

    it('falls back too when the metadata service answers something that is not an IPv4', () => {
      const run = runPublicIpStep(withMetadata, { '169.254.169.254': '2001:db8::1', 'checkip.amazonaws.com': '198.51.100.9' })
      expect(run.ip).toBe('198.51.100.9')
    })

    it('without a metadata URL, asks only the outside service, over IPv4', () => {
      const run = runPublicIpStep(buildUserData(tcp), { 'checkip.amazonaws.com': '198.51.100.10' })
      expect(run.ip).toBe('198.51.100.10')
      expect(run.calls).toHaveLength(1)
      expect(run.calls[0]).toMatch(/^-4 /)
    })

    it('stops the script when no IPv4 can be found (an IPv6 answer is not taken)', () => {
      const run = runPublicIpStep(withMetadata, { 'checkip.amazonaws.com': '2001:db8::2' })
      expect(run.status).not.toBe(0)
    })
  })

  describe('HTTPS mode', () => {
    it('asks for one certificate per domain, with the issuer', () => {
      const execStart = execStartOf(buildUserData(httpsSeveral))
      expect(execStart).toBe(
        [
          '/usr/local/bin/inlets-pro http server',
          '--auto-tls',
          '--auto-tls-san=${IP}',
          `--token-file=${TOKEN_FILE}`,
          '"--letsencrypt-domain=grafana.example.com"',
          '"--letsencrypt-domain=openfaas.example.org"',
          '"--letsencrypt-domain=a-b.c.example.dev"',
          '--letsencrypt-issuer=staging',
        ].join(' '),
      )
    })

    // inlets removed the flag in February 2026 (inlets/inletsctl 845e34a); a server given it
    // exits, and Restart=always would restart it every 2 s forever.
    it.each(KNOWN_INLETS_RELEASES.map((r) => [r.version]))('never passes --letsencrypt-email (inlets-pro %s)', (inletsVersion) => {
      const script = buildUserData({ ...httpsSeveral, inletsVersion })
      expect(script).not.toContain('letsencrypt-email')
      expect(execStartOf(script)).toMatch(/^\/usr\/local\/bin\/inlets-pro http server --auto-tls --auto-tls-san=\$\{IP\} --token-file=\S+( "--letsencrypt-domain=[a-z0-9.-]+")+ --letsencrypt-issuer=staging$/)
    })

    it('accepts a plausible newer release', () => {
      expect(buildUserData({ ...httpsOne, inletsVersion: '0.11.15' })).toContain("INLETS_VERSION='0.11.15'")
    })

    it('uses the prod issuer when asked', () => {
      const execStart = execStartOf(buildUserData(httpsOne))
      expect(execStart).toContain('--letsencrypt-issuer=prod')
      expect(execStart.match(/--letsencrypt-domain=/g)).toHaveLength(1)
      expect(execStart).toContain('"--letsencrypt-domain=tunnel.example.com"')
    })

    it('lower-cases domains and drops repeats', () => {
      const execStart = execStartOf(
        buildUserData({ ...httpsOne, domains: ['Tunnel.Example.com', 'tunnel.example.com', ' other.example.com '] }),
      )
      expect(execStart.match(/--letsencrypt-domain=[^"]+/g)).toEqual([
        '--letsencrypt-domain=tunnel.example.com',
        '--letsencrypt-domain=other.example.com',
      ])
    })
  })

  describe('rejects unsafe or missing values, naming the field', () => {
    const rejected: [string, UserDataInput, string][] = [
      ['a domain with a command', { ...httpsOne, domains: ['a.com;rm -rf /'] }, 'tunnel.domains.0'],
      ['a later hostile domain', { ...httpsOne, domains: ['ok.example.com', 'b.com$(reboot)'] }, 'tunnel.domains.1'],
      ['a domain with a newline', { ...httpsOne, domains: ['a.com\nExecStartPre=/bin/sh'] }, 'tunnel.domains.0'],
      ['a domain with a quote', { ...httpsOne, domains: ['a.com"'] }, 'tunnel.domains.0'],
      ['a domain with a systemd specifier', { ...httpsOne, domains: ['%h.example.com'] }, 'tunnel.domains.0'],
      ['no domains in HTTPS mode', { ...httpsOne, domains: [] }, 'tunnel.domains'],
      ['too many domains', { ...httpsOne, domains: Array.from({ length: 21 }, (_, i) => `d${i}.example.com`) }, 'tunnel.domains'],
      ['a version with a command', { ...tcp, inletsVersion: '1.0.0$(id)' }, 'tunnel.inletsVersion'],
      ['a version with a quote', { ...tcp, inletsVersion: "0.11.14'" }, 'tunnel.inletsVersion'],
      ['a version path', { ...tcp, inletsVersion: '../../evil' }, 'tunnel.inletsVersion'],
      ['an implausible version', { ...tcp, inletsVersion: '999.999.999' }, 'tunnel.inletsVersion'],
      ['a release that still needs --letsencrypt-email', { ...httpsOne, inletsVersion: '0.10.3' }, 'tunnel.inletsVersion'],
      ['a 1.x release', { ...tcp, inletsVersion: '1.0.0' }, 'tunnel.inletsVersion'],
      ['a metadata URL with a command', { ...tcp, publicIpv4Url: 'http://169.254.169.254/$(reboot)' }, 'publicIpv4Url'],
      ['a metadata URL over https with a quote', { ...tcp, publicIpv4Url: "https://x'" }, 'publicIpv4Url'],
      ['an unknown issuer', { ...httpsOne, letsEncryptIssuer: 'evil' as 'prod' }, 'tunnel.letsEncryptIssuer'],
      ['an unknown mode', { ...tcp, mode: 'udp' as 'tcp' }, 'tunnel.mode'],
      ['a token with a quote', { ...tcp, token: `${token.slice(0, 63)}'` }, 'token'],
      ['a short token', { ...tcp, token: 'abc' }, 'token'],
    ]

    it.each(rejected)('%s', (_name, settings, field) => {
      const error = appErrorOf(() => buildUserData(settings))
      expect(error.info.code).toBe('invalid-input')
      expect(error.info.field).toBe(field)
      expect(error.info.retryable).toBe(false)
    })

    it('never repeats the token in the error', () => {
      const bad = `${token.slice(0, 60)}$(x)`
      const error = appErrorOf(() => buildUserData({ ...tcp, token: bad }))
      expect(error.message).not.toContain(bad)
      expect(JSON.stringify(error.info)).not.toContain(token.slice(0, 60))
    })
  })
})

describe('a cloud with no firewall of its own (OVHcloud)', () => {
  it('HTTPS: the server lets in only the control port, 80 and 443 with ufw, after the service is up', () => {
    const script = buildUserData({ ...httpsOne, hostFirewall: true })
    const firewall = script.slice(script.indexOf('# 5.'))
    expect(script.indexOf('# 5.')).toBeGreaterThan(script.indexOf('systemctl enable --now inlets-pro.service'))
    expect(firewall).toContain('ufw default deny incoming')
    expect(firewall).toContain('for PORT in 8123 80 443; do')
    expect(firewall).toContain('ufw --force enable')
    expect(firewall).not.toMatch(/ufw allow (22|ssh)/)
  })

  it('TCP: nothing is closed (the client may ask for any TCP port); a cloud with a firewall gets no ufw lines', () => {
    expect(buildUserData({ ...tcp, hostFirewall: true })).not.toContain('ufw')
    expect(buildUserData(httpsOne)).not.toContain('ufw')
  })

  it('is asked for by the manifest: only where the cloud has no firewall', () => {
    expect(cloudUserDataOptions(DIGITALOCEAN_MANIFEST).hostFirewall).toBe(false)
    expect(cloudUserDataOptions({ ...DIGITALOCEAN_MANIFEST, capabilities: { ...DIGITALOCEAN_MANIFEST.capabilities, httpsFirewall: false } }).hostFirewall).toBe(true)
  })
})

describe('DEFAULT_INLETS_VERSION', () => {
  it('is a plain release number', () => {
    expect(DEFAULT_INLETS_VERSION).toMatch(/^\d+\.\d+\.\d+$/)
  })
})

describe('shellQuote', () => {
  it.each(["it's", 'plain', '$(id) `id` "x" \\ ; &', ''])('round-trips %j through bash', (value) => {
    const result = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(value)
  })
})
