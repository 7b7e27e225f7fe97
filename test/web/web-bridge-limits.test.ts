/**
 * The local HTTP bridge against clients that try to keep it busy: bodies it never asked for,
 * headers or bodies sent a byte at a time, idle connections. Raw sockets (node:net), because
 * an HTTP client library would not send a request this badly.
 */
import { connect, type Socket } from 'node:net'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEventBus } from '../../src/main/events'
import { startWebBridge, type WebBridge, type WebBridgeOptions } from '../../src/main/web'
import type { Dispatch } from '../../src/main/dispatch'

const MIB = 1024 * 1024
/** What a client offers to send: far more than the kernel's socket buffers can hold (tcp_rmem max is 32 MiB here, 6 MiB by default). */
const OFFERED_BYTES = 256 * MIB
/** What may be accepted before the server hangs up: kernel buffers on both sides plus one read. */
const ACCEPTED_BOUND = 64 * MIB

let staticDir: string
let bridge: WebBridge | undefined
const sockets = new Set<Socket>()

beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'exitdesk-web-limits-'))
  await mkdir(staticDir, { recursive: true })
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Exitdesk</title>')
})
afterAll(() => rm(staticDir, { recursive: true, force: true }))
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await bridge?.close()
  bridge = undefined
})

const dispatch: Dispatch = async () => ({ ok: true, data: { fine: true } })

async function start(options: Partial<WebBridgeOptions> = {}): Promise<{ port: number; token: string }> {
  bridge = await startWebBridge({ dispatch, events: createEventBus(), staticDir, heartbeatMs: 50, ...options })
  return { port: Number(new URL(bridge.origin).port), token: bridge.token }
}

/** A raw connection that records what came back and when it closed. */
interface RawClient {
  socket: Socket
  received: () => string
  closedAt: () => number | undefined
  closed: Promise<void>
}

function open(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    sockets.add(socket)
    let text = ''
    let closedAt: number | undefined
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')))
    socket.on('error', () => undefined) // EPIPE / ECONNRESET once the server hangs up is the point
    socket.once('close', () => void (closedAt = Date.now()))
    socket.once('connect', () => resolve({ socket, received: () => text, closedAt: () => closedAt, closed }))
    socket.once('error', reject)
  })
}

/** Writes `body` chunks as fast as the socket takes them; the count of bytes the kernel accepted. */
async function flood(client: RawClient, chunk: (index: number) => Buffer, total: number): Promise<number> {
  let accepted = 0
  let offered = 0
  let index = 0
  while (offered < total && client.closedAt() === undefined && !client.socket.destroyed) {
    const piece = chunk(index++)
    offered += piece.length
    const flushed = new Promise<boolean>((resolve) => client.socket.write(piece, (error) => resolve(!error)))
    const drained = client.socket.writableNeedDrain ? new Promise<void>((resolve) => {
      client.socket.once('drain', resolve)
      client.socket.once('close', resolve)
    }) : Promise.resolve()
    await drained
    // Count only what the kernel took: a write still queued when the socket died never left.
    void flushed.then((ok) => void (ok && (accepted += piece.length)))
  }
  await new Promise((resolve) => setTimeout(resolve, 20))
  return accepted
}

function head(port: number, method: string, path: string, headers: Record<string, string>): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)]
  return `${lines.join('\r\n')}\r\n\r\n`
}

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('web bridge: a refusal leaves the body unread and hangs up', () => {
  const megabyte = Buffer.alloc(MIB, 0x20)
  const declared = { 'Content-Type': 'application/json', 'Content-Length': String(OFFERED_BYTES) }
  const cases: Array<{ name: string; status: number; headers: (token: string) => Record<string, string>; chunked?: boolean }> = [
    { name: 'no token (401)', status: 401, headers: () => declared },
    { name: 'token, but not JSON (415)', status: 415, headers: (token) => ({ ...declared, 'Content-Type': 'text/plain', 'x-exitdesk-token': token }) },
    { name: 'token, declared over 1 MB (413)', status: 413, headers: (token) => ({ ...declared, 'x-exitdesk-token': token }) },
    {
      name: 'token, streamed over 1 MB without a length (413)',
      status: 413,
      headers: (token) => ({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'x-exitdesk-token': token }),
      chunked: true,
    },
  ]

  it.each(cases)('$name: answered, then cut off while the client still has most of 256 MiB to send', async ({ status, headers, chunked }) => {
    const { port, token } = await start()
    const client = await open(port)
    client.socket.write(head(port, 'POST', '/api/invoke/app:status', headers(token)))
    const framed = chunked ? Buffer.concat([Buffer.from(`${MIB.toString(16)}\r\n`), megabyte, Buffer.from('\r\n')]) : megabyte
    const started = Date.now()
    const accepted = await flood(client, () => framed, OFFERED_BYTES)
    await waitUntil(() => client.closedAt() !== undefined, 2_000)

    expect(client.received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
    expect(client.received()).toMatch(/\r\nConnection: close\r\n/i)
    expect(client.closedAt(), 'the server closed the connection').toBeDefined()
    expect(client.closedAt()! - started).toBeLessThan(2_000)
    expect(accepted).toBeLessThan(ACCEPTED_BOUND)
  })

  it('a request that is answered normally keeps its connection for the next one', async () => {
    const { port, token } = await start()
    const client = await open(port)
    for (let i = 1; i <= 2; i++) {
      client.socket.write(head(port, 'GET', `/app/${token}/`, {}))
      await waitUntil(() => client.received().split('HTTP/1.1 200 ').length > i, 2_000)
    }
    expect(client.received().split('HTTP/1.1 200 ')).toHaveLength(3)
    expect(client.closedAt()).toBeUndefined()
  })
})

describe('web bridge: time limits on what a client sends', () => {
  const timeouts = { headersMs: 300, requestMs: 600, keepAliveMs: 200 }

  it('drops a client that sends its headers a line at a time, after headersMs (408)', async () => {
    const { port, token } = await start({ timeouts })
    const client = await open(port)
    const started = Date.now()
    client.socket.write(`GET /app/${token}/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`)
    const drip = setInterval(() => client.socket.writable && client.socket.write('X-Slow: 1\r\n'), 50)
    await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 3_000))])
    clearInterval(drip)
    expect(client.closedAt(), 'the server closed the connection').toBeDefined()
    expect(client.closedAt()! - started).toBeGreaterThanOrEqual(timeouts.headersMs - 20)
    expect(client.closedAt()! - started).toBeLessThan(1_500)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('drops a client that sends its body a byte at a time, after requestMs (408)', async () => {
    const { port, token } = await start({ timeouts })
    const client = await open(port)
    const started = Date.now()
    client.socket.write(head(port, 'POST', '/api/invoke/app:status', { 'Content-Type': 'application/json', 'Content-Length': '1000', 'x-exitdesk-token': token }))
    const drip = setInterval(() => client.socket.writable && client.socket.write(' '), 50)
    await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 3_000))])
    clearInterval(drip)
    expect(client.closedAt(), 'the server closed the connection').toBeDefined()
    expect(client.closedAt()! - started).toBeGreaterThanOrEqual(timeouts.requestMs - 20)
    expect(client.closedAt()! - started).toBeLessThan(2_000)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes an idle kept-alive connection after keepAliveMs', async () => {
    const { port, token } = await start({ timeouts })
    const client = await open(port)
    client.socket.write(head(port, 'GET', `/app/${token}/`, {}))
    await waitUntil(() => client.received().includes('</title>'), 2_000)
    const answeredAt = Date.now()
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /)
    await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 4_000))])
    expect(client.closedAt(), 'the server closed the idle connection').toBeDefined()
    // node:http 20 waits one second past keepAliveTimeout (measured: 200 ms -> 1.2 s), so that a
    // client told "timeout=N" never sends into a socket being closed; its default would be 6 s.
    expect(client.closedAt()! - answeredAt).toBeLessThan(timeouts.keepAliveMs + 1_000 + 1_000)
  })

  it('does not cut an event stream that lasts longer than requestMs', async () => {
    const { port, token } = await start({ timeouts })
    const client = await open(port)
    client.socket.write(head(port, 'GET', '/api/events', { 'x-exitdesk-token': token, Accept: 'text/event-stream' }))
    await new Promise((resolve) => setTimeout(resolve, timeouts.requestMs * 2))
    const sofar = client.received().length
    await waitUntil(() => client.received().length > sofar, 1_000)
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /)
    expect(client.received().length, 'heartbeats still arrive').toBeGreaterThan(sofar)
    expect(client.closedAt()).toBeUndefined()
  })
})
