/**
 * Loopback listeners that stand in for a tunnel host in readiness tests: a TLS server (the
 * inlets control port with auto-TLS), a plain TCP server, one that says something that is not
 * TLS and hangs up, and a port nobody listens on. Linux routes all of 127.0.0.0/8 to loopback,
 * so each test may take its own 127.0.0.x address.
 */
import { readFileSync } from 'node:fs'
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'

// Tests run from the repository root (as the e2e support's paths assume too).
const FIXTURES = resolve('test/fixtures/tls')

export interface Listener {
  address: string
  port: number
  /** Connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

async function listen(server: Server, address: string, port = 0): Promise<Listener> {
  let connections = 0
  server.on('connection', () => void (connections += 1))
  await new Promise<void>((done, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => done())
  })
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return {
    address,
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => done())
      }),
  }
}

/** A TLS server with the self-signed test certificate (test/fixtures/tls); `port` 0 picks a free one. */
export function tlsListener(address = '127.0.0.1', port = 0): Promise<Listener> {
  const server = createTlsServer({ cert: readFileSync(join(FIXTURES, 'cert.pem')), key: readFileSync(join(FIXTURES, 'key.pem')) }, (socket) => socket.end())
  // A client that closes right after the handshake makes the server see a reset: not a failure here.
  server.on('tlsClientError', () => undefined)
  return listen(server, address, port)
}

/** Accepts TCP connections and keeps them open without a word (ports 80/443 stand-in, or a silent server). */
export function tcpListener(address = '127.0.0.1'): Promise<Listener> {
  const server = createTcpServer((socket) => socket.on('error', () => undefined))
  return listen(server, address)
}

/** Answers every connection with a line of plain text and hangs up: a server, but not a TLS one. */
export function plainTextListener(address = '127.0.0.1'): Promise<Listener> {
  const server = createTcpServer((socket) => {
    socket.on('error', () => undefined)
    socket.end('SSH-2.0-OpenSSH_9.6\r\n')
  })
  return listen(server, address)
}

/** A port that was just free on `address`: nothing listens there. */
export async function closedPort(address = '127.0.0.1'): Promise<number> {
  const listener = await tcpListener(address)
  await listener.close()
  return listener.port
}

/** Starts `server` on a random port of 127.0.0.1 (loopback only) and answers that port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return (server.address() as AddressInfo).port
}
