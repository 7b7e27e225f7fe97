/**
 * The inlets-pro releases Exitdesk can install on an exit server, and how the client and
 * server flags of two releases fit together. Pure TypeScript: the contract (main), the
 * cloud-init builder (main) and the create form (renderer) all judge a version the same way.
 *
 * Only releases with evidence that their `http server` takes no `--letsencrypt-email` are
 * listed: inlets removed that flag in February 2026 (inlets/inletsctl commit 845e34a,
 * 2026-02-19, "Remove letsencrypt-email flag", which also moved inletsctl's default from
 * 0.11.4 to 0.11.5; inlets/inlets.dev commit bb1d443: "The --letsencrypt-email flag has been
 * removed from the inlets http server and is no longer supported"; docs.inlets.dev commit
 * 1c80e3e). An older server would need the flag and a newer one refuses it, so one script
 * cannot serve both; releases before 0.11.5 are therefore refused rather than guessed at.
 */

export interface InletsRelease {
  version: string
  /** Where the release is named, for a reader who wants to check it. */
  source: string
  note: string
}

/** Oldest first. */
export const KNOWN_INLETS_RELEASES: readonly InletsRelease[] = [
  {
    version: '0.11.5',
    source: 'inlets/inletsctl commit 845e34a (2026-02-19): default version 0.11.4 -> 0.11.5, "Remove letsencrypt-email flag"',
    note: 'The first default release after --letsencrypt-email was removed.',
  },
  {
    version: '0.11.13',
    source: "inlets/inletsctl: the default version before PR #140 (https://github.com/inlets/inletsctl/pull/140)",
    note: 'Auto-TLS before the 0.11.14 hardening: 0.11.14+ clients need --auto-tls-legacy.',
  },
  {
    version: '0.11.14',
    source: 'https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html and inlets/inletsctl PR #140 (2026-07-15, default 0.11.13 -> 0.11.14)',
    note: 'Hardened auto-TLS: the client checks the server CA with the shared token.',
  },
]

/** The newest known release: what new hosts get unless the user picks another. */
export const DEFAULT_INLETS_VERSION = KNOWN_INLETS_RELEASES[KNOWN_INLETS_RELEASES.length - 1]!.version

/**
 * The release that hardened auto-TLS: a client from it on must be told `--auto-tls-legacy` to
 * talk to an older server, and an older client does not know that flag
 * (https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html; inletsctl PR #140: "verified
 * inlets-pro 0.11.14 client fails without --auto-tls-legacy" against an older server).
 */
export const AUTO_TLS_HARDENED_VERSION = '0.11.14'

/** A "newer" release is at most this many minor releases past the newest known one. */
const MAX_MINOR_AHEAD = 1
/** Patch numbers at or above this are not plausible releases (inlets-pro is at .14). */
const MAX_PATCH = 100

export type ReleaseCheck =
  | { status: 'known'; release: InletsRelease }
  | { status: 'newer'; warning: string }
  /** `reason` completes "<field> …"; `message` is the whole sentence, naming the field. */
  | { status: 'refused'; reason: string; message: string }

type Semver = readonly [number, number, number]

/** "0.11.14" -> [0, 11, 14]; undefined for anything that is not three plain numbers. */
export function parseRelease(version: string): Semver | undefined {
  const match = /^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$/.exec(version)
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined
}

/** Negative when a < b, 0 when equal, positive when a > b. Both must be release numbers. */
export function compareReleases(a: string, b: string): number {
  const x = parseRelease(a)
  const y = parseRelease(b)
  if (!x || !y) throw new Error('compareReleases needs two release numbers')
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}

function knownList(): string {
  return KNOWN_INLETS_RELEASES.map((r) => r.version).join(', ')
}

/**
 * Judges an inlets-pro release for a server or a client: a known release; a plausible next
 * one (same major 0, minor at most one past the newest known, patch below 100), accepted with
 * a warning because its flags are not verified; anything else refused with a sentence naming
 * `field`.
 */
export function checkInletsRelease(version: string, field = 'tunnel.inletsVersion'): ReleaseCheck {
  const refuse = (reason: string): ReleaseCheck => ({ status: 'refused', reason, message: `${field} ${reason}.` })
  const known = KNOWN_INLETS_RELEASES.find((r) => r.version === version)
  if (known) return { status: 'known', release: known }
  const parsed = parseRelease(version)
  if (!parsed) return refuse('must be a release number such as 0.11.14')
  const newest = parseRelease(DEFAULT_INLETS_VERSION)!
  const [major, minor, patch] = parsed
  if (compareReleases(version, DEFAULT_INLETS_VERSION) < 0) {
    return refuse(`${version} is not a release Exitdesk can install: use ${knownList()} (older releases still need the removed --letsencrypt-email flag, or their flags are not verified)`)
  }
  if (major !== newest[0] || minor > newest[1] + MAX_MINOR_AHEAD || patch >= MAX_PATCH) {
    return refuse(`${version} is not a known inlets-pro release: the newest Exitdesk knows is ${DEFAULT_INLETS_VERSION}`)
  }
  return {
    status: 'newer',
    warning: `inlets-pro ${version} is newer than the releases Exitdesk knows (${knownList()}); its flags are assumed to match ${DEFAULT_INLETS_VERSION}. If the tunnel does not start, choose ${DEFAULT_INLETS_VERSION}.`,
  }
}

/** True when the check lets the version through (known, or newer with a warning). */
export function isAcceptedRelease(check: ReleaseCheck): check is Exclude<ReleaseCheck, { status: 'refused' }> {
  return check.status !== 'refused'
}

/**
 * Whether a client must add `--auto-tls-legacy`: exactly when the client has the hardened
 * auto-TLS (0.11.14+) and the server does not. Both versions must already be accepted.
 */
export function needsAutoTlsLegacy(clientVersion: string, serverVersion: string): boolean {
  return compareReleases(clientVersion, AUTO_TLS_HARDENED_VERSION) >= 0 && compareReleases(serverVersion, AUTO_TLS_HARDENED_VERSION) < 0
}
