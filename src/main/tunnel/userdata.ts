/**
 * The cloud-init user-data script that turns a fresh Ubuntu VM into an inlets-pro exit server.
 *
 * It grows from the Go code Exitdesk replaces, and keeps its shape (download the binary, write
 * a systemd unit, start it) while fixing what it got wrong:
 *   - https://github.com/inlets/cloud-provision/blob/master/provision/userdata.go
 *     (MakeExitServerUserdata: TCP mode)
 *   - https://github.com/inlets/inletsctl/blob/master/cmd/create.go
 *     (MakeHTTPSUserdata: HTTPS mode, Let's Encrypt)
 * Upstream puts the token in `export AUTHTOKEN="..."` and then on the server's command line
 * (`--token="${AUTHTOKEN}"`), where any local user sees it in `ps`; it does not stop on
 * errors; it splices values into the script unquoted; and it always downloads the amd64
 * binary. Here: `set -euo pipefail`, the token goes to a root-only file read with
 * `--token-file`, every value is validated to a small character set and quoted, and the
 * binary matches `uname -m`.
 *
 * Flags, checked against the inlets documentation:
 *   tcp server  --auto-tls --auto-tls-san=<public IP>
 *     https://docs.inlets.dev/tutorial/manual-tcp-server/
 *   http server --auto-tls --auto-tls-san=<public IP> --letsencrypt-domain=<d> (once per
 *     domain) --letsencrypt-issuer=prod|staging
 *     https://docs.inlets.dev/tutorial/manual-http-server/ (repeated --letsencrypt-domain,
 *     issuer "staging" or the default "prod") and inletsctl's MakeHTTPSUserdata above (the
 *     `--flag=value` form). The control port 8123 keeps auto-TLS in HTTPS mode too, because
 *     the client dials wss://<ip>:8123 (https://inlets.dev/blog/2021/02/11/secure-letsencrypt-tunnel.html).
 *     No --letsencrypt-email: inlets removed it from the http server in February 2026
 *     (inlets/inletsctl commit 845e34a "Remove letsencrypt-email flag", inlets/inlets.dev
 *     commit bb1d443, docs.inlets.dev commit 1c80e3e). A server given an unknown flag exits,
 *     and with Restart=always it would restart every 2 s forever, so only releases known to
 *     take exactly these flags are installed (../../shared/inlets-versions.ts).
 *   Public IPv4: from the cloud's metadata service when the manifest names one (DigitalOcean:
 *     https://docs.digitalocean.com/reference/api/metadata/network-interfaces/), else from
 *     checkip.amazonaws.com with `curl -4`: on a host with IPv6 a plain curl may go out over
 *     IPv6 and get the IPv6 address back, which the IPv4 check below would then refuse.
 *   --token-file: "Prefer file or environment input and restrictive file permissions",
 *     https://github.com/inlets/agent-skills/blob/main/skills/use-inlets-pro/SKILL.md
 *
 * Where a secret still lives: the user-data itself. Cloud-init keeps a root-only copy under
 * /var/lib/cloud/instance, and most clouds serve user-data from their metadata endpoint to
 * processes on the VM. The exit server runs nothing else, so that is accepted; the point of
 * the token file is to keep the token out of process listings, logs and the unit file.
 */
import type { CloudInfo, TunnelSettings } from '../../shared/domain'
import { invalidInput } from '../../shared/errors'
import { checkInletsRelease } from '../../shared/inlets-versions'
import { assertTunnelToken } from './token'

export { DEFAULT_INLETS_VERSION } from '../../shared/inlets-versions'

/** inlets-pro's control port; the client connects to wss://<ip>:8123. */
export const INLETS_CONTROL_PORT = 8123

/** Where the script leaves the token: a root-only directory, a 0600 file. */
export const TOKEN_FILE = '/var/lib/inlets-pro/token'

/** Holds only the public IP (no secret), read by the unit as an EnvironmentFile. */
const ENV_FILE = '/etc/default/inlets-pro'

/**
 * Release asset per `uname -m`. inlets-pro publishes bare binaries: `inlets-pro` for Linux
 * amd64 and `inlets-pro-arm64` for Linux arm64, as read by arkade's download template
 * (https://github.com/alexellis/arkade/blob/master/pkg/get/tools.go, tool "inlets-pro") and
 * inletsctl's `buildFilename` (https://github.com/inlets/inletsctl/blob/master/cmd/download.go).
 */
const RELEASE_URL = 'https://github.com/inlets/inlets-pro/releases/download'

// Character sets every value must keep to before it goes near a shell or a unit file. None of
// them allows whitespace, quotes, `$`, backslash, `;`, backticks or `%` (a systemd specifier).
const VERSION_PATTERN = /^\d{1,4}\.\d{1,4}\.\d{1,4}$/
/** Same rule as the contract's domain schema: RFC 1123 names with a letter-only TLD. */
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/
/** A plain http URL on an IPv4 address (metadata services live on link-local 169.254.169.254), with a simple path. */
const METADATA_URL_PATTERN = /^http:\/\/[0-9.]{7,15}(\/[A-Za-z0-9._/-]*)?$/
/** The outside lookup, as upstream uses it; answers with the caller's address as text. */
const PUBLIC_IP_SERVICE = 'https://checkip.amazonaws.com'
export const MAX_DOMAINS = 20

/** Wraps a value in single quotes for bash. Values are validated first; this is the second belt. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/**
 * Validates an inlets-pro release: a release number (the character set) that is a known
 * release or a plausible newer one (the contract checks the same; this is the second belt).
 */
export function checkInletsVersion(version: unknown, field = 'tunnel.inletsVersion'): string {
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) {
    throw invalidInput(field, 'The inlets-pro version must be a release number such as 0.11.14.')
  }
  const release = checkInletsRelease(version, field)
  if (release.status === 'refused') throw invalidInput(field, release.message)
  return version
}

/**
 * Validates HTTPS domains; returns them lower-cased and without repeats (inlets-pro would
 * otherwise request the same certificate twice). Used by the client command too, so both
 * sides name the same domains.
 */
export function checkDomains(domains: unknown, field = 'tunnel.domains'): string[] {
  if (!Array.isArray(domains) || domains.length === 0) {
    throw invalidInput(field, 'An HTTPS tunnel needs at least one domain name.')
  }
  if (domains.length > MAX_DOMAINS) {
    throw invalidInput(field, `An HTTPS tunnel may list at most ${MAX_DOMAINS} domains.`)
  }
  const checked: string[] = []
  domains.forEach((domain: unknown, index) => {
    const name = typeof domain === 'string' ? domain.trim().toLowerCase() : ''
    if (!DOMAIN_PATTERN.test(name)) {
      throw invalidInput(`${field}.${index}`, 'Each domain must be a name such as tunnel.example.com.')
    }
    if (!checked.includes(name)) checked.push(name)
  })
  return checked
}

function checkMetadataUrl(url: unknown): string | undefined {
  if (url === undefined) return undefined
  if (typeof url !== 'string' || !METADATA_URL_PATTERN.test(url)) {
    throw invalidInput('publicIpv4Url', 'The metadata URL must be a plain http URL on an IPv4 address.')
  }
  return url
}

/** The arguments after `inlets-pro`, one per line of the unit's ExecStart. */
function serverArguments(settings: TunnelSettings): string[] {
  // ${IP} is expanded by systemd from the EnvironmentFile, not by the shell (the heredoc that
  // writes the unit is quoted).
  const common = ['--auto-tls', '--auto-tls-san=${IP}', `--token-file=${TOKEN_FILE}`]
  switch (settings.mode) {
    case 'tcp':
      // No --port/--ports: the client announces which TCP ports it wants opened.
      return ['tcp server', ...common]
    case 'https': {
      const domains = checkDomains(settings.domains)
      const issuer = settings.letsEncryptIssuer
      if (issuer !== 'prod' && issuer !== 'staging') {
        throw invalidInput('tunnel.letsEncryptIssuer', 'The Let\'s Encrypt issuer must be "prod" or "staging".')
      }
      // Each user value is one whole double-quoted word: systemd's own quoting, on top of
      // the character sets above (https://www.freedesktop.org/software/systemd/man/systemd.syntax.html).
      return [
        'http server',
        ...common,
        ...domains.map((domain) => `"--letsencrypt-domain=${domain}"`),
        `--letsencrypt-issuer=${issuer}`,
      ]
    }
    default:
      throw invalidInput('tunnel.mode', 'The tunnel mode must be "tcp" or "https".')
  }
}

export interface UserDataInput extends TunnelSettings {
  token: string
  /** The cloud's metadata URL for the VM's public IPv4 (CloudInfo.publicIpv4MetadataUrl). */
  publicIpv4Url?: string
  /**
   * The cloud puts no firewall in front of the server (OVHcloud: `capabilities.httpsFirewall`
   * false): in HTTPS mode the server closes itself to all but the control port and 80/443 with
   * ufw. TCP mode needs every TCP port the client may ask for, so nothing is closed there.
   */
  hostFirewall?: boolean
}

/** What the user data takes from the cloud's manifest: where to ask for the public IPv4, and whether the cloud has a firewall. */
export function cloudUserDataOptions(manifest: Pick<CloudInfo, 'publicIpv4MetadataUrl' | 'capabilities'>): Pick<UserDataInput, 'publicIpv4Url' | 'hostFirewall'> {
  return { publicIpv4Url: manifest.publicIpv4MetadataUrl, hostFirewall: !manifest.capabilities.httpsFirewall }
}

/**
 * ufw, which Ubuntu's server images carry switched off: nothing in but the inlets-pro control
 * port, HTTP (the ACME challenge) and HTTPS, for IPv4 and IPv6 — SSH included, as Exitdesk
 * installs no login on the server. Where ufw is missing the script says so and goes on: the
 * tunnel still works, and the log tells why the server is open.
 * https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html
 */
function hostFirewallLines(): string {
  return `
# 5. No firewall in front of this server at the cloud: it closes itself to all but the tunnel.
if command -v ufw >/dev/null; then
  ufw --force reset >/dev/null
  ufw default deny incoming >/dev/null
  ufw default allow outgoing >/dev/null
  for PORT in ${INLETS_CONTROL_PORT} 80 443; do
    ufw allow "$PORT/tcp" >/dev/null
  done
  ufw --force enable
else
  echo "exitdesk: ufw is not installed; this server stays open on every port" >&2
fi
`
}

/**
 * The lines that find the public IPv4: the metadata service first (no outside traffic, and it
 * answers with the IPv4 only), then the outside service forced onto IPv4. Each attempt is
 * allowed to fail (`|| true`); the address check after it decides.
 */
function publicIpLines(metadataUrl: string | undefined): string {
  const outside = `curl -4 -fsS --retry 10 --retry-delay 3 --retry-connrefused --max-time 10 ${PUBLIC_IP_SERVICE}`
  const viaMetadata = metadataUrl
    ? `PUBLIC_IP="$(curl -fsS --retry 5 --retry-delay 2 --retry-connrefused --max-time 5 ${shellQuote(metadataUrl)} | tr -d '[:space:]' || true)"
if [[ ! "$PUBLIC_IP" =~ $IPV4_PATTERN ]]; then
  PUBLIC_IP="$(${outside} | tr -d '[:space:]' || true)"
fi`
    : `PUBLIC_IP="$(${outside} | tr -d '[:space:]' || true)"`
  return `IPV4_PATTERN='^[0-9]{1,3}([.][0-9]{1,3}){3}$'
${viaMetadata}`
}

/**
 * Builds the bash script a cloud runs once, as root, on first boot. Throws an invalid-input
 * AppError naming the field when a value falls outside its safe character set.
 */
export function buildUserData(settings: UserDataInput): string {
  const version = checkInletsVersion(settings.inletsVersion)
  assertTunnelToken(settings.token, 'token')
  const metadataUrl = checkMetadataUrl(settings.publicIpv4Url)
  const [subcommand, ...flags] = serverArguments(settings)
  const description = settings.mode === 'tcp' ? 'TCP' : 'HTTPS'
  const execStart = [`ExecStart=/usr/local/bin/inlets-pro ${subcommand}`, ...flags].join(' \\\n  ')

  return `#!/bin/bash
# Exitdesk: installs the inlets-pro ${version} ${description} tunnel server as a systemd service.
# Runs once, as root, from cloud-init. Progress: /var/log/cloud-init-output.log
set -euo pipefail
# Everything this script creates is root-only unless loosened below.
umask 077

INLETS_VERSION=${shellQuote(version)}

# 1. The token. printf is a bash builtin, so the token is never an argument of a process
#    (nothing to see in ps); the file is read by inlets-pro through --token-file.
install -d -m 0700 /var/lib/inlets-pro
printf '%s' ${shellQuote(settings.token)} > ${TOKEN_FILE}
chmod 0600 ${TOKEN_FILE}

# 2. The public IPv4, found at boot${metadataUrl ? " from the cloud's metadata service, else" : ''} from an outside
#    service over IPv4 (upstream uses the same one). The auto-TLS certificate of the control
#    port must name the address the client dials.
${publicIpLines(metadataUrl)}
if [[ ! "$PUBLIC_IP" =~ $IPV4_PATTERN ]]; then
  echo "exitdesk: could not find this server's public IPv4 address" >&2
  exit 1
fi
printf 'IP=%s\\n' "$PUBLIC_IP" > ${ENV_FILE}
chmod 0644 ${ENV_FILE}

# 3. The inlets-pro binary for this CPU, from the GitHub release.
ARCH="$(uname -m)"
case "$ARCH" in
  x86_64 | amd64) ASSET=inlets-pro ;;
  aarch64 | arm64) ASSET=inlets-pro-arm64 ;;
  *)
    echo "exitdesk: no inlets-pro build for $ARCH" >&2
    exit 1
    ;;
esac
DOWNLOAD_DIR="$(mktemp -d)"
trap 'rm -rf "$DOWNLOAD_DIR"' EXIT
curl -fsSL --retry 10 --retry-delay 3 --retry-connrefused \\
  -o "$DOWNLOAD_DIR/inlets-pro" \\
  "${RELEASE_URL}/$INLETS_VERSION/$ASSET"
install -m 0755 "$DOWNLOAD_DIR/inlets-pro" /usr/local/bin/inlets-pro
/usr/local/bin/inlets-pro version

# 4. The service. The heredoc is quoted: the shell expands nothing in it, systemd fills in
#    \${IP} from ${ENV_FILE}. Restart=always brings the tunnel back after a crash or reboot.
cat > /etc/systemd/system/inlets-pro.service <<'UNIT'
[Unit]
Description=inlets-pro ${description} tunnel server (Exitdesk)
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
Restart=always
RestartSec=2
EnvironmentFile=${ENV_FILE}
${execStart}

[Install]
WantedBy=multi-user.target
UNIT
chmod 0644 /etc/systemd/system/inlets-pro.service
systemctl daemon-reload
systemctl enable --now inlets-pro.service
${settings.hostFirewall && settings.mode === 'https' ? hostFirewallLines() : ''}`
}
