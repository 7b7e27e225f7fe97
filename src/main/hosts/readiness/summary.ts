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

export function readinessFrom(findings: Findings): ReadinessResult {
  const { mode, control, ports, domains = [], portNumbers } = findings
  const problems = [
    mode === 'https' && ports ? portsPhrase(ports, portNumbers) : undefined,
    ...(mode === 'https' ? domains.map(domainPhrase) : []),
  ].filter((phrase): phrase is string => phrase !== undefined)
  const ready = control && problems.length === 0
  const base: ReadinessResult = {
    status: ready ? 'ready' : 'not-ready',
    control: control ? 'answering' : 'not-answering',
    ...(mode === 'https' ? { ports, domains } : {}),
    summary: '',
  }
  if (ready) {
    const here = domains.map((d) => d.name)
    base.summary = mode === 'https' ? `tunnel ready · ports ${portNumbers.http} and ${portNumbers.https} open${here.length ? ` · ${here.join(', ')} ${here.length === 1 ? 'points' : 'point'} here` : ''}` : 'tunnel ready'
    return base
  }
  const controlPhrase = control ? 'tunnel server answering' : findings.wasReady ? 'tunnel server not answering' : 'tunnel server not answering yet'
  base.summary = [controlPhrase, ...problems].join(' · ')
  return base
}
