/**
 * The only code in the readiness check that touches the network: open a TCP or TLS connection
 * and close it at once, or ask DNS for A records. Each call ends by itself after `timeoutMs` or
 * when `signal` aborts, whichever comes first. The prober (./probe.ts) takes these as
 * dependencies, so tests can count or replace them.
 */
import { promises as dns } from 'node:dns'
import { connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'

/** Opens a connection and closes it; resolves once it was established, rejects otherwise. */
export interface Connector {
  /** A TLS handshake completes (any certificate: see probe.ts for why). */
  tls(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void>
  /** A TCP connection is accepted. */
  tcp(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void>
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
