/**
 * The same contract as src/main/ipc.ts, carried over HTTP on 127.0.0.1 for `npm run web`.
 * The whole app lives under a secret path, /app/<token>/ (the printed address):
 *
 *   GET  /app/<token>/                   -> index.html (`/app/<token>` redirects here)
 *   GET  /app/<token>/<file>             -> a file from staticDir; an unknown name directly
 *                                           under the prefix gets index.html (SPA fallback)
 *   POST /app/<token>/api/invoke/<channel> -> 200 with the dispatcher's envelope (ok or not)
 *   GET  /app/<token>/api/events         -> Server-Sent Events, one `event:` per contract event
 *   POST /api/invoke/<channel>, GET /api/events
 *                                        -> the same, for non-browser clients that send the
 *                                           token in the x-exitdesk-token header instead
 *   anything else                        -> 401 with a pointer to the terminal
 *
 * There is no cookie: browsers share cookies across all ports of 127.0.0.1, so one would leak
 * the token to every other local server. The page uses relative URLs, so the browser keeps
 * the prefix on every request, and Referrer-Policy: no-referrer keeps the path out of Referer.
 *
 * Every request must name our Host (DNS rebinding) and carry no foreign Origin. POSTs also
 * need our Origin or the header. Nothing here logs the token or a request body.
 *
 * Every refusal (400/401/403/404/405/413/415) is the connection's last answer and leaves the
 * request body unread (web/respond.ts), and the server's own timeouts bound how long a client
 * may take to send a request, so a local process without the token cannot keep us reading.
 * Refusals carry fixed text only, never anything from the request or from main.
 * Gatekeeping: web/security.ts; files: web/static.ts; shutdown: web/lifecycle.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { eventNames } from '../shared/contract'
import type { Dispatch } from './dispatch'
import type { EventBus } from './events'
import * as security from './web/security'
import { serveStatic } from './web/static'
import { createCloser } from './web/lifecycle'
import { bodyError, failure, readBody, refuseJson, refuseText, sendJson, sendText } from './web/respond'

export interface WebBridgeOptions {
  dispatch: Dispatch
  events: EventBus
  staticDir: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Defaults to 32 random bytes, base64url. Must be URL-path safe ([A-Za-z0-9_-]). */
  token?: string
  /** SSE heartbeat interval; 15 s unless a test wants it faster. */
  heartbeatMs?: number
  /** How long a client may take to send a request; DEFAULT_WEB_TIMEOUTS unless a test wants them shorter. */
  timeouts?: Partial<WebTimeouts>
}

/**
 * node:http's own limits (https://nodejs.org/docs/latest-v20.x/api/http.html#httpcreateserveroptions-requestlistener),
 * far below its defaults (300 s for a request, 60 s for headers): the page's calls are small
 * and local, so a client slower than this is stuck or hostile.
 */
export interface WebTimeouts {
  /** The headers must have arrived within this long (server.headersTimeout). */
  headersMs: number
  /** The whole request, body included, within this long (server.requestTimeout). An event stream's response is not limited. */
  requestMs: number
  /** An idle connection between requests is closed after this long (server.keepAliveTimeout). */
  keepAliveMs: number
}

export const DEFAULT_WEB_TIMEOUTS: WebTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 }

export interface WebBridge {
  /** The app's address: http://127.0.0.1:PORT/app/<token>/ */
  url: string
  origin: string
  token: string
  close(): Promise<void>
}

export const MAX_BODY_BYTES = 1024 * 1024
const INVOKE_PREFIX = '/api/invoke/'

const UNAUTHORIZED_TEXT =
  'Exitdesk: this page needs the address printed in the terminal where `npm run web` is running.\n' +
  'Open that address (http://127.0.0.1:PORT/app/.../, it changes every run) in this browser.\n'

export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const token = options.token ?? security.newToken()
  if (!/^[\w-]+$/.test(token)) throw new Error('The web bridge token must be non-empty and URL-path safe ([A-Za-z0-9_-]).')
  const heartbeatMs = options.heartbeatMs ?? 15_000
  const streams = new Set<ServerResponse>()
  let port = 0

  const timeouts = { ...DEFAULT_WEB_TIMEOUTS, ...options.timeouts }
  const server = createServer({
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // How often node:http looks for requests past those limits (its default, 30 s, would let a
    // slow client run 40 s over a 10 s limit).
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(timeouts.headersMs / 4))),
  })
  const closeServer = createCloser(server) // registered first: it counts every request
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Exitdesk: internal error.\n')
      else res.destroy()
    })
  })
  // A malformed request gets a bare 400, one past the time limits a 408; then the socket is
  // destroyed (not just ended: that would leave it open for reading). Nothing is logged.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`, () => socket.destroy())
    else socket.destroy()
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    security.setSecurityHeaders(res)
    if (!security.hostAllowed(req, port)) return refuseText(res, 403, 'Forbidden: unexpected Host header.\n')
    const origin = security.originStatus(req, port)
    if (origin === 'foreign') return refuseText(res, 403, 'Forbidden: cross-origin request.\n')

    const rawUrl = req.url ?? '/'
    const queryAt = rawUrl.indexOf('?')
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)
    if (!path.startsWith('/')) return refuseText(res, 400, 'Bad request.\n')

    const safeMethod = req.method === 'GET' || req.method === 'HEAD'
    // `route` is the path inside the app: the rest after /app/<token>, or, for a header-authorized
    // API call, the path itself. The page and its files are only ever served under the prefix.
    let route: string
    const app = security.splitAppPath(path)
    if (app !== undefined && security.tokenEquals(app.token, token)) {
      if (app.rest === '' && safeMethod) {
        res.writeHead(308, { Location: `${path}/`, 'Cache-Control': 'no-store' })
        return void res.end()
      }
      route = app.rest
    } else if (app === undefined && isApiPath(path) && security.headerTokenValid(req, token)) {
      route = path
    } else {
      return refuseText(res, 401, UNAUTHORIZED_TEXT)
    }

    if (!safeMethod && origin !== 'same' && !security.headerTokenValid(req, token)) {
      return refuseText(res, 403, 'Forbidden: a state-changing request needs the Origin or x-exitdesk-token header.\n')
    }

    if (isApiPath(route)) return handleApi(req, res, route)
    if (!safeMethod) return refuseText(res, 405, 'Method not allowed.\n', { Allow: 'GET, HEAD' })
    if ((await serveStatic(req, res, options.staticDir, route)) !== 'served') refuseText(res, 404, 'Not found.\n')
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    res.setHeader('Cache-Control', 'no-store')
    if (path === '/api/events') {
      if (req.method !== 'GET') return refuseText(res, 405, 'Method not allowed.\n', { Allow: 'GET' })
      return openEventStream(req, res)
    }
    if (!path.startsWith(INVOKE_PREFIX)) return refuseJson(res, 404, failure('not-found', 'There is no such API path.'))
    if (req.method !== 'POST') return refuseText(res, 405, 'Method not allowed.\n', { Allow: 'POST' })

    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (mediaType !== 'application/json') {
      return refuseJson(res, 415, bodyError('The request body must be sent as Content-Type: application/json.'))
    }
    const body = await readBody(req, MAX_BODY_BYTES)
    if (body === 'too-large') return refuseJson(res, 413, bodyError('The request body is larger than 1 MB.'))
    let input: unknown
    try {
      // An empty body means "no input", which the dispatcher treats as {}.
      input = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'))
    } catch {
      return sendJson(res, 400, bodyError('The request body is not valid JSON.'))
    }
    const channel = safeDecode(path.slice(INVOKE_PREFIX.length))
    sendJson(res, 200, await options.dispatch(channel, input))
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // The stream is long-lived; closing the socket with it lets close() finish promptly.
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    })
    res.write(': connected\n\n')
    const unsubscribe = eventNames.map((name) =>
      options.events.on(name, (payload) => {
        res.write(`event: ${name}\ndata: ${JSON.stringify(payload ?? null)}\n\n`)
      }),
    )
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs)
    heartbeat.unref()
    streams.add(res)
    const cleanup = (): void => {
      clearInterval(heartbeat)
      for (const off of unsubscribe) off()
      streams.delete(res)
    }
    res.on('close', cleanup)
    req.on('close', cleanup)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}${security.appBase(token)}`,
    origin,
    token,
    close() {
      const closed = closeServer()
      for (const res of streams) res.end()
      return closed
    },
  }
}

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/')
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
