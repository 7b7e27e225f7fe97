/**
 * The only code in the readiness check that touches the network: open a TCP or TLS connection
 * and close it at once, or ask DNS for A records. Each call ends by itself after `timeoutMs` or
 * when `signal` aborts, whichever comes first. The prober (./probe.ts) takes these as
 * dependencies, so tests can count or replace them.
 */
import { promises as dns } from 'node:dns'
import { connect as tcpConnect, type Socket } from 'node:net'
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from 'node:tls'
import type { CertificateState } from '../../../shared/domain'

/** Opens a connection and closes it; resolves once it was established, rejects otherwise. */
export interface Connector {
  /** A TLS handshake completes (any certificate: see probe.ts for why). */
  tls(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void>
  /** A TCP connection is accepted. */
  tcp(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void>
  /**
   * HTTPS mode: the certificate the server at `address:port` presents for `servername` (SNI),
   * classified. Never rejects: a failed handshake is `none`. Absent (a test's connector):
   * certificates are not checked.
   */
  certificate?(address: string, port: number, servername: string, timeoutMs: number, signal: AbortSignal): Promise<CertificateState>
}

/** Asks DNS for a name's IPv4 addresses. */
export type Resolve4 = (name: string, timeoutMs: number, signal: AbortSignal) => Promise<string[]>

class ProbeFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

function settleSocket(socket: Socket, readyEvent: 'connect' | 'secureConnect', timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false
    const finish = (error?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      if (error) reject(error)
      else resolve()
    }
    const onAbort = (): void => finish(new ProbeFailure('the check was cancelled', 'ABORTED'))
    const timer = setTimeout(() => finish(new ProbeFailure(`no answer within ${Math.round(timeoutMs / 1000)} s`, 'ETIMEDOUT')), timeoutMs)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once(readyEvent, () => finish())
    // `on`, not `once`: a socket may report a second error while it is torn down.
    socket.on('error', (error) => finish(error))
    // A server that accepts and then hangs up before the handshake is not a TLS server.
    socket.once('close', () => finish(new ProbeFailure('the connection was closed before it was ready', 'ECONNRESET')))
  })
}

/** The OpenSSL verify codes that mean "expired" (the chain is otherwise not the question). */
const EXPIRED_CODES = new Set(['CERT_HAS_EXPIRED'])

/** The issuer as a person would name it: its organisation, else its common name. */
function issuerOf(cert: PeerCertificate): string | undefined {
  const pick = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value) || undefined
  return pick(cert.issuer?.O) ?? pick(cert.issuer?.CN)
}

function isoOf(date: string | undefined): string | undefined {
  const time = date ? Date.parse(date) : Number.NaN
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined
}

/** What a finished handshake tells (a TLSSocket after 'secureConnect'). */
export interface HandshakeView {
  authorized: boolean
  authorizationError?: Error | string | null
  getPeerCertificate(): PeerCertificate | Record<string, never>
}

/**
 * What `socket` (after its handshake) says about the certificate for `servername`, in the order
 * that tells the user most: none, expired, for another name, not trusted, valid. The name is
 * checked on its own (tls.checkServerIdentity), so a self-signed certificate for the right name
 * is "untrusted" and a trusted one for another name is "wrong-name".
 * https://nodejs.org/api/tls.html#tlssocketauthorized, #tlssocketauthorizationerror,
 * #tlscheckserveridentityhostname-cert
 */
export function classifyCertificate(socket: HandshakeView, servername: string, now: number): CertificateState {
  const cert = socket.getPeerCertificate() as PeerCertificate | undefined
  if (!cert || Object.keys(cert).length === 0) return { status: 'none', error: 'the server presented no certificate' }
  const details = { ...(issuerOf(cert) ? { issuer: issuerOf(cert) } : {}), ...(isoOf(cert.valid_to) ? { validTo: isoOf(cert.valid_to) } : {}) }
  const reason = socket.authorizationError ? String(socket.authorizationError) : undefined
  const validTo = isoOf(cert.valid_to)
  if ((reason && EXPIRED_CODES.has(reason)) || (validTo !== undefined && Date.parse(validTo) < now)) {
    return { status: 'expired', ...details, error: `the certificate expired on ${validTo?.slice(0, 10) ?? 'an earlier date'}` }
  }
  const identity = checkServerIdentity(servername, cert)
  if (identity) return { status: 'wrong-name', ...details, error: `the certificate is not for ${servername}` }
  if (!socket.authorized) return { status: 'untrusted', ...details, error: `the certificate is not trusted (${reason ?? 'unknown reason'})` }
  return { status: 'valid', ...details }
}

/** A TLS handshake with SNI, classified; any failure (refused, reset, timeout, cancel) is `none`. */
function certificateOf(address: string, port: number, servername: string, timeoutMs: number, signal: AbortSignal): Promise<CertificateState> {
  return new Promise<CertificateState>((resolve) => {
    // rejectUnauthorized: false — the handshake must finish for an untrusted or misnamed
    // certificate to be described; nothing is sent over it and no trust rests on it.
    // `host` is the host's own IPv4 (checked by the guard before): `servername` only goes out as
    // SNI, it is never looked up.
    const socket = tlsConnect({ host: address, port, servername, rejectUnauthorized: false })
    let state: CertificateState | undefined
    socket.once('secureConnect', () => {
      state = classifyCertificate(socket, servername, Date.now())
    })
    settleSocket(socket, 'secureConnect', timeoutMs, signal).then(
      () => resolve(state ?? { status: 'none', error: 'the TLS handshake did not finish' }),
      (error: unknown) => resolve({ status: 'none', error: `no TLS answer for ${servername} (${(error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'})` }),
    )
  })
}

export const realConnector: Connector = {
  tls: (address, port, timeoutMs, signal) =>
    settleSocket(
      // rejectUnauthorized: false — the question is only "does a TLS server answer here"; no
      // data is sent, so no trust decision rests on the certificate. No SNI: the target is an IP.
      tlsConnect({ host: address, port, rejectUnauthorized: false }),
      'secureConnect',
      timeoutMs,
      signal,
    ),
  tcp: (address, port, timeoutMs, signal) => settleSocket(tcpConnect({ host: address, port }), 'connect', timeoutMs, signal),
  certificate: certificateOf,
}

/** A resolver of its own per lookup, so cancelling one lookup never cancels another's. */
export const realResolve4: Resolve4 = async (name, timeoutMs, signal) => {
  // `tries: 1` keeps a lookup within its timeout (c-ares retries each server otherwise).
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 })
  const onAbort = (): void => resolver.cancel()
  if (signal.aborted) throw new ProbeFailure('the check was cancelled', 'ABORTED')
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await resolver.resolve4(name)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
