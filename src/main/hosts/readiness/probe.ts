/**
 * One readiness check of one tunnel host, against the host itself:
 *  - the inlets-pro control port (8123 by default) answers a TLS handshake. Both `tcp server`
 *    and `http server` run with `--auto-tls`, which serves the control port with a certificate
 *    the server generates itself (https://docs.inlets.dev/tutorial/manual-tcp-server/,
 *    https://docs.inlets.dev/tutorial/manual-http-server/; port 8123:
 *    https://docs.inlets.dev/reference/inletsctl/). The certificate is deliberately not
 *    verified: from 0.11.14 only a client holding the tunnel token can check it
 *    (https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html), and the question here is
 *    only whether a TLS server answers — nothing is sent over the connection.
 *  - HTTPS mode: ports 80 and 443 accept a connection (the http server answers Let's Encrypt's
 *    HTTP-01 challenge on 80 and serves the domains on 443), and each domain's A records
 *    include the host's IPv4 — Let's Encrypt cannot issue a certificate otherwise.
 *  - HTTPS mode, once 443 answers (and answered at the check before): for each domain, one TLS handshake to the host's own IPv4:443
 *    with the domain as SNI, and what certificate comes back (valid, untrusted, for another
 *    name, expired, none). The name is sent only as SNI to the address already checked; it is
 *    never looked up for this. The handshakes run side by side after the first round, each
 *    bounded by `timeoutMs`, so a check takes about twice that at most (the scheduler's
 *    deadline allows for it); the contract allows at most 20 domains.
 *
 * Bounded: every connection and lookup ends after `timeoutMs` (they run side by side, so one
 * check takes about that long at most) or when `signal` aborts. Addresses and names the guard
 * refuses are never contacted (./guard.ts).
 */
import type { CertificateState, TunnelMode } from '../../../shared/domain'
import { mayContact, mayResolve } from './guard'
import { realConnector, realResolve4, type Connector, type Resolve4 } from './sockets'
import { notChecked, readinessFrom, type DomainFinding, type ReadinessResult } from './summary'

export interface ProbePorts {
  control: number
  http: number
  https: number
}

/** The ports an inlets-pro exit server listens on (control port: inlets' default 8123). */
export const INLETS_PORTS: ProbePorts = { control: 8123, http: 80, https: 443 }
export const PROBE_TIMEOUT_MS = 3_000

export interface ProbeDeps {
  ports: ProbePorts
  connector: Connector
  resolve4: Resolve4
  /** Per connection or lookup. */
  timeoutMs: number
}

export function probeDeps(overrides: Partial<ProbeDeps> = {}): ProbeDeps {
  return { ports: INLETS_PORTS, connector: realConnector, resolve4: realResolve4, timeoutMs: PROBE_TIMEOUT_MS, ...overrides }
}

export interface ProbeTarget {
  ipv4: string
  mode: TunnelMode
  domains: string[]
  wasReady?: boolean
  /**
   * HTTPS mode: 443 answered at the previous check. Certificates are asked about only then:
   * the first check of a host stays as quick as its connections (a certificate is rarely there
   * the moment 443 opens: Let's Encrypt issues after its challenge on 80), and a port that
   * accepts but never speaks TLS costs the handshake's timeout only from the second check on.
   */
  httpsAnsweredBefore?: boolean
}

export type Prober = (target: ProbeTarget, signal: AbortSignal) => Promise<ReadinessResult>

/** Resolves true when `attempt` succeeds, false on any failure. */
const succeeds = (attempt: Promise<void>): Promise<boolean> =>
  attempt.then(
    () => true,
    () => false,
  )

/** What resolver error codes mean, as the end of "<domain> …". */
function lookupError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOTFOUND') return 'does not resolve'
  if (code === 'ENODATA') return 'has no IPv4 (A) record'
  return `could not be looked up (${code ?? 'unknown error'})`
}

async function checkDomain(name: string, ipv4: string, deps: ProbeDeps, signal: AbortSignal): Promise<DomainFinding> {
  const verdict = mayResolve(name)
  if (!verdict.allowed) return { name, resolvesTo: [], pointsHere: false, error: `was not looked up: it is ${verdict.reason}` }
  try {
    const resolvesTo = [...new Set(await deps.resolve4(name, deps.timeoutMs, signal))].sort()
    return { name, resolvesTo, pointsHere: resolvesTo.includes(ipv4), ...(resolvesTo.length === 0 ? { error: 'has no IPv4 (A) record' } : {}) }
  } catch (error) {
    return { name, resolvesTo: [], pointsHere: false, error: lookupError(error) }
  }
}

export async function probeTunnel(target: ProbeTarget, deps: ProbeDeps, signal: AbortSignal): Promise<ReadinessResult> {
  const verdict = mayContact(target.ipv4)
  if (!verdict.allowed) return notChecked(target.ipv4, verdict.reason)
  const { ports, connector, timeoutMs } = deps
  const control = succeeds(connector.tls(target.ipv4, ports.control, timeoutMs, signal))
  if (target.mode === 'tcp') return readinessFrom({ mode: 'tcp', control: await control, portNumbers: ports, wasReady: target.wasReady })
  const [controlAnswers, http, https, found] = await Promise.all([
    control,
    succeeds(connector.tcp(target.ipv4, ports.http, timeoutMs, signal)),
    succeeds(connector.tcp(target.ipv4, ports.https, timeoutMs, signal)),
    Promise.all(target.domains.map((name) => checkDomain(name, target.ipv4, deps, signal))),
  ])
  // Only where 443 answers is there a certificate to ask about; the same guarded address as above.
  const certificate = connector.certificate?.bind(connector)
  const domains =
    https && target.httpsAnsweredBefore === true && certificate
      ? await Promise.all(found.map(async (domain) => ({ ...domain, certificate: await certificate(target.ipv4, ports.https, domain.name, timeoutMs, signal).catch((): CertificateState => ({ status: 'none', error: 'the certificate could not be checked' })) })))
      : found
  return readinessFrom({ mode: 'https', control: controlAnswers, ports: { http, https }, domains, portNumbers: ports, wasReady: target.wasReady })
}
