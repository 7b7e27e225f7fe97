/**
 * Turns what a readiness check found into a status and the one line the table shows, e.g.
 * "tunnel server not answering yet · www.example.org points at 192.0.2.4, not this host".
 * Pure: no sockets, no clock.
 */
import type { TunnelMode, TunnelReadiness } from '../../../shared/domain'
import type { ProbePorts } from './probe'

export type ReadinessResult = Omit<TunnelReadiness, 'checkedAt'>
export type DomainFinding = NonNullable<TunnelReadiness['domains']>[number]

export interface Findings {
  mode: TunnelMode
  control: boolean
  /** HTTPS mode only. */
  ports?: { http: boolean; https: boolean }
  /** HTTPS mode only. */
  domains?: DomainFinding[]
  /** The port numbers checked, so the sentence names the ports really asked. */
  portNumbers: ProbePorts
  /** The tunnel answered before: a server that stops answering is "not answering", not "not answering yet". */
  wasReady?: boolean
}

export const CHECKING_SUMMARY = 'checking the tunnel server…'

export function notChecked(address: string, reason: string): ReadinessResult {
  return { status: 'unknown', control: 'unchecked', summary: `not checked: ${address} is ${reason}` }
}

function portsPhrase(ports: { http: boolean; https: boolean }, numbers: ProbePorts): string | undefined {
  const closed = [!ports.http ? numbers.http : undefined, !ports.https ? numbers.https : undefined].filter((p): p is number => p !== undefined)
  if (closed.length === 0) return undefined
  return closed.length === 1 ? `port ${closed[0]} not answering` : `ports ${closed.join(' and ')} not answering`
}

function domainPhrase(domain: DomainFinding): string | undefined {
  if (domain.pointsHere) return undefined
  if (domain.resolvesTo.length > 0) return `${domain.name} points at ${domain.resolvesTo.join(', ')}, not this host`
  return `${domain.name} ${domain.error ?? 'does not resolve'}`
}

/**
 * A certificate matters in the summary only where the domain already points here (before that,
 * Let's Encrypt cannot issue one, and the DNS phrase says what to fix) and the server presents
 * one that a browser would refuse. "none" is left out: the server may still be getting it.
 * It never changes the status: the tunnel itself works, issuance can lag a few minutes, and a
 * staging certificate (chosen by the user for testing) is never trusted.
 */
function certificatePhrase(domain: DomainFinding): string | undefined {
  const certificate = domain.certificate
  if (!domain.pointsHere || !certificate) return undefined
  const by = certificate.issuer ? ` (issued by ${certificate.issuer})` : ''
  if (certificate.status === 'untrusted') return `certificate for ${domain.name} not trusted yet${by}`
  if (certificate.status === 'wrong-name') return `certificate on port 443 is not for ${domain.name}${by}`
  if (certificate.status === 'expired') return `certificate for ${domain.name} expired${certificate.validTo ? ` on ${certificate.validTo.slice(0, 10)}` : ''}`
  return undefined
}

export function readinessFrom(findings: Findings): ReadinessResult {
  const { mode, control, ports, domains = [], portNumbers } = findings
  const problems = [
    mode === 'https' && ports ? portsPhrase(ports, portNumbers) : undefined,
    ...(mode === 'https' ? domains.map(domainPhrase) : []),
  ].filter((phrase): phrase is string => phrase !== undefined)
  const ready = control && problems.length === 0
  const certificateNotes = mode === 'https' ? domains.map(certificatePhrase).filter((phrase): phrase is string => phrase !== undefined) : []
  const base: ReadinessResult = {
    status: ready ? 'ready' : 'not-ready',
    control: control ? 'answering' : 'not-answering',
    ...(mode === 'https' ? { ports, domains } : {}),
    summary: '',
  }
  if (ready) {
    const here = domains.map((d) => d.name)
    base.summary = mode === 'https' ? [`tunnel ready · ports ${portNumbers.http} and ${portNumbers.https} open${here.length ? ` · ${here.join(', ')} ${here.length === 1 ? 'points' : 'point'} here` : ''}`, ...certificateNotes].join(' · ') : 'tunnel ready'
    return base
  }
  const controlPhrase = control ? 'tunnel server answering' : findings.wasReady ? 'tunnel server not answering' : 'tunnel server not answering yet'
  base.summary = [controlPhrase, ...problems, ...certificateNotes].join(' · ')
  return base
}
