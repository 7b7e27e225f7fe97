/**
 * A loopback HTTP proxy that sits between a cloud adapter (the account's endpoint is the proxy's
 * URL) and a stateful fake cloud (test/fakes/digitalocean.ts), and breaks a seeded share of the
 * requests the way networks, gateways and busy APIs do. It listens on 127.0.0.1 with a random
 * port and forwards only to a loopback target: nothing here ever leaves the machine.
 *
 * Fault kinds (each counted in `stats.faults`):
 *   rate-limited      429 as DigitalOcean's burst limit answers it: retry-after, and the
 *                     hourly ratelimit-limit/-remaining/-reset of the fake's last answer;
 *                     not forwarded
 *   server-error      500 with a DigitalOcean-shaped JSON error; not forwarded
 *   unavailable-html  503 with a gateway's HTML page; not forwarded
 *   delayed           forwarded at once (the fake ACTS), the answer is held until the client has
 *                     given up (its deadline), then sent into the closed connection
 *   late              held without forwarding until the client has given up, then forwarded
 *                     later — on the injectable clock when one is given (`releaseDue()` after
 *                     each advance), else after a real delay. This is late processing: a create
 *                     that happens after the caller decided it had failed (the case that made
 *                     duplicate droplets).
 *   reset-before      connection reset (RST) before forwarding: nothing happened
 *   reset-after       forwarded (the fake ACTS), then the connection is reset: the answer is lost
 *   truncated         forwarded (the fake ACTS); status, headers and half the body, then reset
 *                     (an answer without a body degrades to reset-after and is counted so)
 *   portal            `200 text/html` captive-portal page; not forwarded
 *   mislabelled       forwarded (the fake ACTS); the JSON body arrives labelled
 *                     `content-type: text/html`
 *
 * Which requests fail is decided by mulberry32(seed) in arrival order, at `rate`, with optional
 * per-kind weights and a filter (e.g. only POST /v2/droplets). `intercept` lets a test act at one
 * chosen request (the SIGKILL test kills the app there), before forwarding or after the fake
 * acted; an intercepted request's connection is then reset.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { between, mulberry32, pickWeighted, type Random } from './prng'
import { listenOnLoopback } from './listeners'

export const FAULT_KINDS = ['rate-limited', 'server-error', 'unavailable-html', 'delayed', 'late', 'reset-before', 'reset-after', 'truncated', 'portal', 'mislabelled'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface ProxiedRequest {
  /** 0-based, in arrival order. */
  index: number
  method: string
  /** Pathname only, e.g. "/v2/droplets/3164444". */
  path: string
  /** Query string without "?". */
  query: string
  /** The parsed JSON body, when there was one. */
  body?: unknown
}

/** One request as the proxy saw it: what became of it, and the fake's status when it got there. */
export interface ProxyLogEntry extends ProxiedRequest {
  fault?: FaultKind | 'intercepted'
  /** The fake's answer status, once the request reached it (a late one: when it landed). */
  status?: number
  /** The id of what a POST made (`droplet.id`, `firewall.id`), from the fake's answer, whether or not the client got it. */
  created?: string
  /** This is a late request landing: the index it arrived with. */
  landedFrom?: number
}

export interface Intercept {
  /** 'before': act, then reset without forwarding. 'after': forward (the fake acts), act, then reset: the answer is lost. */
  when: 'before' | 'after'
  action: () => unknown
}

export interface FaultProxyOptions {
  /** The fake's URL; must be a loopback address. */
  target: string
  seed: number
  /** Share of (filtered) requests that fail, 0..1. Default 0. */
  rate?: number
  /** Relative weight of each kind; kinds left out weigh 1, weight 0 turns a kind off. */
  weights?: Partial<Record<FaultKind, number>>
  /** Only requests it accepts may fail; all by default. */
  filter?: (request: ProxiedRequest) => boolean
  /** The clock late requests are released on (`releaseDue()`); without one they land after a real delay. */
  clock?: { now(): number }
  /** [min, max] delay of a late request after the client gave up: clock ms with a clock (default 5 s .. 90 s), else real ms (default 20 .. 300). */
  lateAfterMs?: readonly [number, number]
  /** Longest real time a request is held waiting for the client to give up; then the proxy resets it. Default 10 s. */
  giveUpMs?: number
  /** `retry-after` of an injected 429, seconds. Default 10. */
  retryAfterSeconds?: number
  /** Runs for every request before the fault decision; an intercepted request is never faulted. */
  intercept?: (request: ProxiedRequest) => Intercept | undefined
}

export interface FaultProxyStats {
  /** Requests received from the client. */
  requests: number
  /** Requests that reached the fake (late ones when they land). */
  forwarded: number
  faults: Record<FaultKind, number>
  /** Late requests forwarded so far. */
  lateLanded: number
  /** Late requests still waiting when the proxy closed (never forwarded). */
  lateDropped: number
}

export interface FaultProxy {
  url: string
  seed: number
  stats: FaultProxyStats
  /** Every request, in arrival order. */
  log: ProxyLogEntry[]
  setRate(rate: number): void
  /** Late requests not forwarded yet (including those still waiting for their client to give up). */
  pendingLate(): number
  /** Late requests whose client gave up, waiting for their time. */
  lateQueued(): number
  /** Forwards the late requests whose time has come on the clock; resolves when the fake answered them. */
  releaseDue(): Promise<number>
  /** Forwards every late request now. */
  releaseAll(): Promise<number>
  close(): Promise<void>
}

interface Upstream {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

interface Held {
  request: ProxyLogEntry
  headers: IncomingHttpHeaders
  raw: Buffer
  url: string
}

const PORTAL_PAGE = '<!DOCTYPE html><html><head><title>Sign in to Hotel Wi-Fi</title></head><body><h1>Welcome to Hotel Wi-Fi</h1><p>Please accept the terms to continue.</p></body></html>\n'
const GATEWAY_PAGE = '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n'
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'host'])

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error(`fault proxy: the target must be on loopback, not ${target.hostname}`)
  const random: Random = mulberry32(options.seed)
  const lateRandom: Random = mulberry32(options.seed ^ 0x5eed1a7e)
  const weights = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, options.weights?.[kind] ?? 1])) as Record<FaultKind, number>
  const lateAfter = options.lateAfterMs ?? (options.clock ? [5_000, 90_000] : [20, 300])
  const giveUpMs = options.giveUpMs ?? 10_000
  const retryAfterSeconds = options.retryAfterSeconds ?? 10
  let rate = options.rate ?? 0
  let index = 0
  let closed = false
  const stats: FaultProxyStats = { requests: 0, forwarded: 0, faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>, lateLanded: 0, lateDropped: 0 }
  const late: Array<{ due: number; held: Held }> = []
  const log: ProxyLogEntry[] = []
  const timers = new Set<NodeJS.Timeout>()
  /** Late requests waiting on a real-time timer (no clock given). */
  let lateOnTimers = 0
  /** Late requests still held until their client gives up. */
  let lateHolding = 0
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })

  function forward(held: Held): Promise<Upstream> {
    stats.forwarded += 1
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(held.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
    headers['content-length'] = String(held.raw.length)
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, method: held.request.method, path: held.url, headers, agent }, (incoming) => {
        const chunks: Buffer[] = []
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
        incoming.on('end', () => {
          const upstream = { status: incoming.statusCode ?? 502, headers: incoming.headers, body: Buffer.concat(chunks) }
          held.request.status = upstream.status
          if (held.request.method === 'POST' && upstream.status < 300) held.request.created = createdId(upstream.body)
          noteLimits(upstream)
          resolve(upstream)
        })
        incoming.on('error', reject)
      })
      outgoing.on('error', reject)
      outgoing.end(held.raw)
    })
  }

  function reply(response: ServerResponse, upstream: Upstream, override: Record<string, string> = {}): void {
    if (response.destroyed || response.writableEnded) return
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
    Object.assign(headers, override)
    if (upstream.status !== 204 && upstream.status !== 304) headers['content-length'] = String(upstream.body.length)
    response.writeHead(upstream.status, headers)
    response.end(upstream.body)
  }

  function send(response: ServerResponse, status: number, type: string, text: string, extra: Record<string, string> = {}): void {
    if (response.destroyed || response.writableEnded) return
    response.writeHead(status, { ...extra, 'content-type': type, 'content-length': String(Buffer.byteLength(text)) })
    response.end(text)
  }

  function reset(socket: Socket): void {
    const resettable = socket as Socket & { resetAndDestroy?: () => Socket }
    if (typeof resettable.resetAndDestroy === 'function' && !socket.destroyed) resettable.resetAndDestroy()
    else socket.destroy()
  }

  /** Resolves once the client closed the connection (its deadline passed), or after giveUpMs (then the proxy closes it). */
  function clientGaveUp(response: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      if (response.destroyed || response.socket === null || response.socket.destroyed) return resolve()
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (response.socket) reset(response.socket)
        resolve()
      }, giveUpMs)
      timers.add(timer)
      response.once('close', () => {
        clearTimeout(timer)
        timers.delete(timer)
        resolve()
      })
    })
  }

  /** A late request reaches the fake: logged again, as a request of its own that names the one it was. */
  async function land(held: Held): Promise<void> {
    stats.lateLanded += 1
    const { status: _status, fault: _fault, created: _created, ...request } = held.request
    const landed: ProxyLogEntry = { ...request, index: index++, landedFrom: held.request.index }
    log.push(landed)
    await forward({ ...held, request: landed }).catch(() => undefined)
    held.request.status = landed.status
    held.request.created = landed.created
  }

  /** The hourly counters of the fake's last answer: an injected 429 repeats them, as DigitalOcean's burst-limit 429 does. */
  let lastLimits: Record<string, string> = {}
  function noteLimits(upstream: Upstream): void {
    const pick = (name: string): string | undefined => (typeof upstream.headers[name] === 'string' ? (upstream.headers[name] as string) : undefined)
    const limit = pick('ratelimit-limit')
    const remaining = pick('ratelimit-remaining')
    const reset = pick('ratelimit-reset')
    if (limit && remaining && reset) lastLimits = { 'ratelimit-limit': limit, 'ratelimit-remaining': String(Math.min(Number(limit), Number(remaining))), 'ratelimit-reset': reset }
  }

  /**
   * DigitalOcean's burst limit (250 a minute): 429 with `retry-after`, while the `ratelimit-*`
   * headers keep describing the hourly window (specification/description.yml, "Rate Limit").
   */
  function rateLimitHeaders(): Record<string, string> {
    const nowSeconds = Math.floor((options.clock?.now() ?? Date.now()) / 1000)
    return {
      'ratelimit-limit': '5000',
      'ratelimit-remaining': '4999',
      'ratelimit-reset': String(nowSeconds + 3600),
      ...lastLimits,
      'retry-after': String(retryAfterSeconds),
    }
  }

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readRaw(incoming)
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1')
    let body: unknown
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown
      } catch {
        body = undefined
      }
    }
    const request: ProxyLogEntry = { index: index++, method: incoming.method ?? 'GET', path: url.pathname, query: url.search.replace(/^\?/, ''), ...(body !== undefined ? { body } : {}) }
    const held: Held = { request, headers: incoming.headers, raw, url: `${target.pathname.replace(/\/$/, '')}${url.pathname}${url.search}` }
    stats.requests += 1
    log.push(request)
    const socket = incoming.socket
    const fault = (kind: FaultKind): void => {
      stats.faults[kind] += 1
      request.fault = kind
    }

    const intercepted = options.intercept?.(request)
    if (intercepted) {
      request.fault = 'intercepted'
      if (intercepted.when === 'after') await forward(held).catch(() => undefined)
      await intercepted.action()
      reset(socket)
      return
    }

    const faulty = rate > 0 && (options.filter?.(request) ?? true) && random() < rate
    if (!faulty) {
      reply(response, await forward(held))
      return
    }
    let kind = pickWeighted(random, weights)
    switch (kind) {
      case 'rate-limited':
        fault(kind)
        return send(response, 429, 'application/json; charset=utf-8', JSON.stringify({ id: 'too_many_requests', message: 'API Rate limit exceeded.', request_id: `proxy-${request.index}` }), rateLimitHeaders())
      case 'server-error':
        fault(kind)
        return send(response, 500, 'application/json; charset=utf-8', JSON.stringify({ id: 'server_error', message: 'Unexpected server-side error', request_id: `proxy-${request.index}` }))
      case 'unavailable-html':
        fault(kind)
        return send(response, 503, 'text/html', GATEWAY_PAGE)
      case 'portal':
        fault(kind)
        return send(response, 200, 'text/html; charset=utf-8', PORTAL_PAGE)
      case 'reset-before':
        fault(kind)
        return reset(socket)
      case 'late': {
        fault(kind)
        lateHolding += 1
        await clientGaveUp(response)
        lateHolding -= 1
        const delay = between(lateRandom, lateAfter[0], lateAfter[1])
        if (closed) {
          stats.lateDropped += 1
        } else if (options.clock) {
          late.push({ due: options.clock.now() + delay, held })
        } else {
          lateOnTimers += 1
          const timer = setTimeout(() => {
            timers.delete(timer)
            lateOnTimers -= 1
            void land(held)
          }, delay)
          timers.add(timer)
        }
        return
      }
      default:
        break
    }
    // The remaining kinds forward first: the fake carries the request out.
    const upstream = await forward(held)
    if ((kind === 'truncated' || kind === 'mislabelled') && upstream.body.length === 0) kind = 'reset-after'
    fault(kind)
    switch (kind) {
      case 'delayed':
        await clientGaveUp(response)
        return reply(response, upstream)
      case 'reset-after':
        return reset(socket)
      case 'truncated': {
        const headers: Record<string, string | string[]> = {}
        for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
        headers['content-length'] = String(upstream.body.length)
        response.writeHead(upstream.status, headers)
        response.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)), () => setImmediate(() => reset(socket)))
        return
      }
      case 'mislabelled':
        return reply(response, upstream, { 'content-type': 'text/html; charset=utf-8' })
      default:
        return reply(response, upstream)
    }
  }

  async function release(all: boolean): Promise<number> {
    const now = options.clock?.now() ?? Number.POSITIVE_INFINITY
    const due = late.filter((entry) => all || entry.due <= now).sort((a, b) => a.due - b.due)
    for (const entry of due) late.splice(late.indexOf(entry), 1)
    for (const entry of due) await land(entry.held)
    return due.length
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => {
      if (!response.headersSent && !response.destroyed) send(response, 502, 'text/plain', 'fault proxy: the fake did not answer\n')
      else reset(incoming.socket)
    })
  })
  const port = await listenOnLoopback(server)

  return {
    url: `http://127.0.0.1:${port}`,
    seed: options.seed,
    stats,
    log,
    setRate(next) {
      rate = next
    },
    pendingLate: () => late.length + lateOnTimers + lateHolding,
    lateQueued: () => late.length + lateOnTimers,
    releaseDue: () => release(false),
    releaseAll: () => release(true),
    close() {
      closed = true
      stats.lateDropped += late.length + lateOnTimers
      late.length = 0
      lateOnTimers = 0
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      agent.destroy()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

/** One line of counts, e.g. "rate-limited 12, late 3" (kinds that never happened are left out). */
export function describeFaults(faults: Readonly<Record<string, number>>): string {
  const parts = Object.entries(faults)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`)
  return parts.length > 0 ? parts.join(', ') : 'none'
}

function createdId(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, { id?: unknown } | undefined>
    const id = parsed.droplet?.id ?? parsed.firewall?.id
    return id === undefined ? undefined : String(id)
  } catch {
    return undefined
  }
}

/**
 * The requests that concerned one host: those naming its id (its tag, its firewall's name) and
 * those naming what they made (its droplets' and firewalls' ids), in order.
 */
export function requestsFor(log: readonly ProxyLogEntry[], hostId: string): ProxyLogEntry[] {
  const names = new Set([hostId])
  const text = (entry: ProxyLogEntry): string => `${entry.path}?${entry.query} ${entry.body === undefined ? '' : JSON.stringify(entry.body)}`
  for (const entry of log) if (entry.created && text(entry).includes(hostId)) names.add(entry.created)
  return log.filter((entry) => [...names].some((name) => text(entry).includes(name)))
}

/** "POST /v2/droplets 202 late" for a history line. */
export function describeEntry(entry: ProxyLogEntry): string {
  const path = entry.path.replace(/exitdesk-host-[0-9a-f-]{36}/, 'exitdesk-host-…').replace(/\/[0-9a-f-]{36}$/, '/<fw>')
  const query = entry.query.includes('tag_name') ? '?tag_name=…' : ''
  if (entry.landedFrom !== undefined) return `#${entry.index} (#${entry.landedFrom} lands late) ${entry.method} ${path}${query} ${entry.status ?? '-'}`
  return `#${entry.index} ${entry.method} ${path}${query} ${entry.status ?? '-'}${entry.fault ? ` ${entry.fault}` : ''}`
}

function readRaw(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}
