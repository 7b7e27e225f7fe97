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
 * The answers the proxy makes up where the fault is the provider's own (rate-limited,
 * server-error) come from a `ProviderShape`: DigitalOcean's by default, another cloud's with
 * `shape` (test/soak/targets/ has one per cloud: EC2's XML `RequestLimitExceeded`, Hetzner's
 * `RateLimit-*` headers, …), so each adapter meets its own provider's errors. Gateway pages,
 * portal pages, resets and cut-off bodies are the network's, the same for every cloud.
 *
 * With `tls` the proxy listens over HTTPS and forwards over HTTPS (the Azure SDK sends its bearer
 * token over TLS only): it terminates TLS with the fake's own certificate, which the client
 * already trusts, so the same seeded faults and the same `intercept` work for every cloud.
 *
 * Which requests fail is decided by mulberry32(seed) in arrival order, at `rate`, with optional
 * per-kind weights and a filter (e.g. only POST /v2/droplets). `intercept` lets a test act at one
 * chosen request (the SIGKILL test kills the app there), before forwarding or after the fake
 * acted; an intercepted request's connection is then reset.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http'
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from 'node:https'
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
  /** The parsed JSON body, or a form-encoded body (EC2's Query protocol) as name -> value, when there was one. */
  body?: unknown
  /** The request's headers (e.g. `x-amz-target`, which names an AWS JSON-protocol call). */
  headers?: IncomingHttpHeaders
}

/** An answer the proxy makes up instead of forwarding. */
export interface CannedAnswer {
  status: number
  contentType: string
  body: string
  headers?: Record<string, string>
}

export interface ShapeContext {
  request: ProxiedRequest
  /** Epoch ms on the proxy's clock (the fake's), or real time without one. */
  now: number
  /** `retryAfterSeconds` of the proxy's options. */
  retryAfterSeconds: number
}

/**
 * A provider's own error answers, for the faults that are the provider's: its 429 (with its
 * rate-limit headers) and its 500. `noteAnswer` sees every answer the fake gave, so an injected
 * 429 can repeat the counters the provider last reported, as a real one would.
 */
export interface ProviderShape {
  name: string
  rateLimited(context: ShapeContext): CannedAnswer
  serverError(context: ShapeContext): CannedAnswer
  noteAnswer?(headers: IncomingHttpHeaders): void
  /** The id of what a successful POST made, from the fake's answer (for the per-host history). */
  createdId?(body: Buffer, request: ProxiedRequest): string | undefined
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
  /** The provider's error shapes; DigitalOcean's when absent. */
  shape?: ProviderShape
  /** Listen over HTTPS with this certificate and forward over HTTPS trusting it (the target's own). */
  tls?: { cert: string; key: string }
  /** Forward the client's Host header unchanged (EC2: SigV4 signs it, and the fake checks the signature). */
  preserveHost?: boolean
  /**
   * Rewrite the target's origin to the proxy's in every answer's body and headers: a fake that
   * names absolute URLs (ARM's Azure-AsyncOperation and Location, Entra ID's OpenID metadata)
   * would otherwise send the client past the proxy.
   */
  rewriteOrigin?: boolean
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
  const shape = options.shape ?? digitalOceanShape()
  const agent = options.tls ? new HttpsAgent({ keepAlive: true, maxSockets: 16, ca: options.tls.cert }) : new Agent({ keepAlive: true, maxSockets: 16 })
  const hopByHop = options.preserveHost ? new Set([...HOP_BY_HOP].filter((name) => name !== 'host')) : HOP_BY_HOP

  function forward(held: Held): Promise<Upstream> {
    stats.forwarded += 1
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(held.headers)) if (value !== undefined && !hopByHop.has(name)) headers[name] = value
    headers['content-length'] = String(held.raw.length)
    return new Promise((resolve, reject) => {
      const requestOptions: RequestOptions = { host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, method: held.request.method, path: held.url, headers, agent }
      const outgoing = (options.tls ? httpsRequest : httpRequest)(requestOptions, (incoming) => {
        const chunks: Buffer[] = []
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
        incoming.on('end', () => {
          const upstream = rewrite({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: Buffer.concat(chunks) })
          held.request.status = upstream.status
          if (held.request.method === 'POST' && upstream.status < 300) held.request.created = shape.createdId?.(upstream.body, held.request)
          shape.noteAnswer?.(upstream.headers)
          resolve(upstream)
        })
        incoming.on('error', reject)
      })
      outgoing.on('error', reject)
      outgoing.end(held.raw)
    })
  }

  /** The proxy's own origin, once it listens (`rewriteOrigin`). */
  let ownOrigin = ''
  function rewrite(upstream: Upstream): Upstream {
    if (!options.rewriteOrigin || !ownOrigin) return upstream
    const swap = (text: string): string => text.split(target.origin).join(ownOrigin)
    const headers: IncomingHttpHeaders = {}
    for (const [name, value] of Object.entries(upstream.headers)) headers[name] = typeof value === 'string' ? swap(value) : Array.isArray(value) ? value.map(swap) : value
    const text = upstream.body.toString('utf8')
    return { ...upstream, headers, body: text.includes(target.origin) ? Buffer.from(swap(text)) : upstream.body }
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
    // A TLS socket (`tls`) cannot send an RST ("This handle type cannot be sent"): it is closed
    // without a TLS close_notify instead, which the client sees as a connection that broke off.
    if (typeof resettable.resetAndDestroy === 'function' && !socket.destroyed && !options.tls) resettable.resetAndDestroy()
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

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readRaw(incoming)
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1')
    const body = parseBody(raw, incoming.headers['content-type'])
    const request: ProxyLogEntry = { index: index++, method: incoming.method ?? 'GET', path: url.pathname, query: url.search.replace(/^\?/, ''), ...(body !== undefined ? { body } : {}), headers: incoming.headers }
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
    const context = (): ShapeContext => ({ request, now: options.clock?.now() ?? Date.now(), retryAfterSeconds })
    const canned = (answer: CannedAnswer): void => send(response, answer.status, answer.contentType, answer.body, answer.headers)
    switch (kind) {
      case 'rate-limited':
        fault(kind)
        return canned(shape.rateLimited(context()))
      case 'server-error':
        fault(kind)
        return canned(shape.serverError(context()))
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

  const onRequest = (incoming: IncomingMessage, response: ServerResponse): void => {
    handle(incoming, response).catch(() => {
      if (!response.headersSent && !response.destroyed) send(response, 502, 'text/plain', 'fault proxy: the fake did not answer\n')
      else reset(incoming.socket)
    })
  }
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest)
  const port = await listenOnLoopback(server)
  ownOrigin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`

  return {
    url: ownOrigin,
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

/**
 * DigitalOcean's answers: its burst limit (250 a minute) is a 429 with `retry-after`, while the
 * `ratelimit-*` headers keep describing the hourly window of the fake's last answer
 * (specification/description.yml, "Rate Limit"); its 500 is its JSON error.
 */
export function digitalOceanShape(): ProviderShape {
  let lastLimits: Record<string, string> = {}
  return {
    name: 'digitalocean',
    noteAnswer(headers) {
      const pick = (name: string): string | undefined => (typeof headers[name] === 'string' ? headers[name] : undefined)
      const limit = pick('ratelimit-limit')
      const remaining = pick('ratelimit-remaining')
      const reset = pick('ratelimit-reset')
      if (limit && remaining && reset) lastLimits = { 'ratelimit-limit': limit, 'ratelimit-remaining': String(Math.min(Number(limit), Number(remaining))), 'ratelimit-reset': reset }
    },
    rateLimited: ({ request, now, retryAfterSeconds }) => ({
      status: 429,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ id: 'too_many_requests', message: 'API Rate limit exceeded.', request_id: `proxy-${request.index}` }),
      headers: { 'ratelimit-limit': '5000', 'ratelimit-remaining': '4999', 'ratelimit-reset': String(Math.floor(now / 1000) + 3600), ...lastLimits, 'retry-after': String(retryAfterSeconds) },
    }),
    serverError: ({ request }) => ({
      status: 500,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ id: 'server_error', message: 'Unexpected server-side error', request_id: `proxy-${request.index}` }),
    }),
    createdId(body) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as Record<string, { id?: unknown } | undefined>
        const id = parsed.droplet?.id ?? parsed.firewall?.id
        return id === undefined ? undefined : String(id)
      } catch {
        return undefined
      }
    },
  }
}

/** A JSON body parsed, a form-encoded one (EC2's Query protocol) as name -> value; else undefined. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined
  const text = raw.toString('utf8')
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text))
  try {
    return JSON.parse(text) as unknown
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
