/**
 * The local HTTP bridge (src/main/web.ts) against a fake Dispatch and a real EventBus, and the
 * browser-side client (src/renderer/src/bridge/http-bridge.ts) against the real bridge.
 * Host-header tests use http.request, because fetch does not let a caller choose Host.
 */
import { request } from 'node:http'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startWebBridge, type WebBridge } from '../../src/main/web'
import { createEventBus, type EventBus } from '../../src/main/events'
import type { Dispatch } from '../../src/main/dispatch'
import type { Envelope } from '../../src/shared/errors'
import { eventNames, type HostDetails, type Settings } from '../../src/shared/contract'
import { createCore } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { Host } from '../../src/shared/domain'

// The browser client is written against small structural types, so the node project can import it too.
import { createHttpBridge, NETWORK_ERROR, SESSION_ERROR, type EventSourceLike, type FetchLike } from '../../src/renderer/src/bridge/http-bridge'

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
const INDEX = '<!doctype html><title>Exitdesk</title><script type="module" src="./assets/app.js"></script>'
const SECRET = 'TOP-SECRET-OUTSIDE-STATIC'

interface Call {
  channel: string
  input: unknown
}

/** A fake Dispatch: records calls and answers with whatever `answer` returns. */
function fakeDispatch(): Dispatch & { calls: Call[]; answer: (channel: string) => Envelope<unknown> } {
  const fake = Object.assign(
    async (channel: string, input: unknown) => {
      fake.calls.push({ channel, input })
      return fake.answer(channel)
    },
    { calls: [] as Call[], answer: (channel: string): Envelope<unknown> => ({ ok: true, data: { echo: channel } }) },
  )
  return fake
}

/** A real EventBus that also counts live subscriptions, to see the SSE stream unsubscribe. */
function countingBus(): EventBus & { live: () => number } {
  const bus = createEventBus()
  let live = 0
  return {
    emit: bus.emit,
    on(event, listener) {
      live++
      const off = bus.on(event, listener)
      let done = false
      return () => {
        if (!done) live--
        done = true
        return off()
      }
    },
    live: () => live,
  }
}

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** http.request with full control over the path (sent unnormalized) and the Host header. */
function raw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (options.chunks) for (const chunk of options.chunks) req.write(chunk)
    req.end(options.body)
  })
}

async function waitFor(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Reads an SSE body until `text` has appeared; returns everything read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, sofar = ''): Promise<string> {
  const decoder = new TextDecoder()
  let seen = sofar
  while (!seen.includes(text)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(seen)}`)
    seen += decoder.decode(value, { stream: true })
  }
  return seen
}

let root: string
let staticDir: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'exitdesk-web-'))
  staticDir = join(root, 'static')
  await mkdir(join(staticDir, 'assets'), { recursive: true })
  await writeFile(join(staticDir, 'index.html'), INDEX)
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("exitdesk")')
  await writeFile(join(staticDir, 'assets', 'style.css'), 'body{}')
  await writeFile(join(staticDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  await writeFile(join(staticDir, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  await writeFile(join(staticDir, 'assets', 'data.json'), '{}')
  await writeFile(join(staticDir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]))
  await writeFile(join(staticDir, 'assets', 'font.woff2'), Buffer.from('wOF2'))
  await writeFile(join(root, 'secret.txt'), SECRET)
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: SECRET }))
  if (process.platform !== 'win32') await symlink(join(root, 'secret.txt'), join(staticDir, 'assets', 'link.txt'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('local HTTP bridge', () => {
  let bridge: WebBridge
  let dispatch: ReturnType<typeof fakeDispatch>
  let events: ReturnType<typeof countingBus>
  let port: number
  /** The secret path prefix without its trailing slash: /app/<token>. */
  let prefix: string
  /** The address a browser opens, plus a path inside the app: at('/assets/app.js'). */
  let at: (path: string) => string
  let auth: Record<string, string>
  /** What a browser adds to its own POSTs. */
  let sameOrigin: Record<string, string>
  let logSpies: Array<ReturnType<typeof vi.spyOn>>

  beforeEach(async () => {
    logSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m))
    dispatch = fakeDispatch()
    events = countingBus()
    bridge = await startWebBridge({ dispatch, events, staticDir, heartbeatMs: 50 })
    port = Number(new URL(bridge.origin).port)
    prefix = `/app/${bridge.token}`
    at = (path) => `${bridge.origin}${prefix}${path}`
    auth = { 'x-exitdesk-token': bridge.token }
    sameOrigin = { origin: bridge.origin }
  })

  afterEach(async () => {
    await bridge.close()
    // Never log the token (or anything else): nothing in this module writes to the console.
    for (const spy of logSpies) {
      for (const call of spy.mock.calls) expect(JSON.stringify(call)).not.toContain(bridge.token)
      spy.mockRestore()
    }
  })

  describe('start', () => {
    it('listens on 127.0.0.1 with a random port and a 256-bit base64url token in the address path', () => {
      expect(bridge.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(port).toBeGreaterThan(0)
      expect(bridge.url).toBe(`${bridge.origin}/app/${bridge.token}/`)
      expect(bridge.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    })

    it('uses a given token and a different one per start', async () => {
      const other = await startWebBridge({ dispatch, events, staticDir, token: 'given-token' })
      try {
        expect(other.token).toBe('given-token')
        expect(other.url).toBe(`${other.origin}/app/given-token/`)
        const third = await startWebBridge({ dispatch, events, staticDir })
        expect(third.token).not.toBe(bridge.token)
        await third.close()
      } finally {
        await other.close()
      }
    })

    it('refuses a given token that is not URL-path safe', async () => {
      for (const token of ['', 'a/b', 'a b', '../x', 'a?b']) {
        await expect(startWebBridge({ dispatch, events, staticDir, token }), token).rejects.toThrow(/URL-path safe/)
      }
    })
  })

  describe('secret address', () => {
    it('refuses a request without the prefix with 401 and a pointer to the terminal', async () => {
      const res = await fetch(`${bridge.origin}/`)
      expect(res.status).toBe(401)
      expect(await res.text()).toMatch(/printed in the terminal/)
      expect(res.headers.get('set-cookie')).toBeNull()
      for (const path of ['/index.html', '/assets/app.js', '/api/events', '/app', '/app/', '/app//', '/app//assets/app.js', `/x${prefix}/`, `/APP/${bridge.token}/`]) {
        const other = await raw(port, path)
        expect(other.status, path).toBe(401)
        expect(other.headers['set-cookie'], path).toBeUndefined()
      }
      const post = await raw(port, '/api/invoke/app:status', { method: 'POST', headers: { 'content-type': 'application/json', ...sameOrigin }, body: '{}' })
      expect(post.status).toBe(401)
      expect(dispatch.calls).toEqual([])
    })

    it('refuses a wrong token in the prefix with 401, whatever its length', async () => {
      const wrong = [
        'wrong',
        `${bridge.token}x`,
        bridge.token.slice(0, -1),
        `${bridge.token.slice(0, -1)}${bridge.token.endsWith('A') ? 'B' : 'A'}`,
        bridge.token.toUpperCase() === bridge.token ? bridge.token.toLowerCase() : bridge.token.toUpperCase(),
        encodeURIComponent(bridge.token).replace(/^./, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
        'x'.repeat(500),
      ]
      for (const token of wrong) {
        for (const path of [`/app/${token}/`, `/app/${token}`, `/app/${token}/assets/app.js`, `/app/${token}/api/events`]) {
          const res = await raw(port, path)
          expect(res.status, path).toBe(401)
          expect(res.body, path).toMatch(/printed in the terminal/)
          expect(res.headers['set-cookie'], path).toBeUndefined()
        }
        const post = await raw(port, `/app/${token}/api/invoke/app:status`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sameOrigin },
          body: '{}',
        })
        expect(post.status, token).toBe(401)
      }
      expect(dispatch.calls).toEqual([])
    })

    it('serves index.html at the printed address, with no cookie', async () => {
      const res = await fetch(bridge.url, { redirect: 'manual' })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(await res.text()).toBe(INDEX)
    })

    it('redirects /app/<token> to /app/<token>/ (308), with no cookie', async () => {
      const res = await fetch(`${bridge.origin}${prefix}`, { redirect: 'manual' })
      expect(res.status).toBe(308)
      expect(res.headers.get('location')).toBe(`${prefix}/`)
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect((await fetch(`${bridge.origin}${prefix}?x=1`, { redirect: 'manual' })).headers.get('location')).toBe(`${prefix}/`)
    })

    it('no longer accepts the old ways in: ?token= and the exitdesk_session cookie', async () => {
      const query = await fetch(`${bridge.origin}/?token=${bridge.token}`, { redirect: 'manual' })
      expect(query.status).toBe(401)
      expect(query.headers.get('set-cookie')).toBeNull()
      expect((await fetch(`${bridge.origin}/`, { headers: { cookie: `exitdesk_session=${bridge.token}` } })).status).toBe(401)
      const post = await raw(port, '/api/invoke/app:status', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `exitdesk_session=${bridge.token}`, ...sameOrigin },
        body: '{}',
      })
      expect(post.status).toBe(401)
      expect(dispatch.calls).toEqual([])
    })

    it('accepts the x-exitdesk-token header instead of the prefix for the API only', async () => {
      const post = await raw(port, '/api/invoke/app:status', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' })
      expect(post.status).toBe(200)
      expect(JSON.parse(post.body)).toEqual({ ok: true, data: { echo: 'app:status' } })
      const abort = new AbortController()
      const stream = await fetch(`${bridge.origin}/api/events`, { headers: auth, signal: abort.signal })
      expect(stream.status).toBe(200)
      abort.abort()
      // The page and its files are only ever served under the prefix.
      for (const path of ['/', '/index.html', '/assets/app.js', '/hosts']) expect((await raw(port, path, { headers: auth })).status, path).toBe(401)
      // A wrong header, or a wrong prefix with the right header, is still refused.
      expect((await raw(port, '/api/events', { headers: { 'x-exitdesk-token': 'wrong' } })).status).toBe(401)
      expect((await raw(port, '/app/wrong/api/events', { headers: auth })).status).toBe(401)
      expect(dispatch.calls).toHaveLength(1)
    })
  })

  describe('Host and Origin', () => {
    it('refuses a foreign Host with 403 (DNS rebinding), even with the token', async () => {
      for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, '127.0.0.1']) {
        const res = await raw(port, `${prefix}/`, { headers: { host } })
        expect(res.status, host).toBe(403)
        const api = await raw(port, '/api/invoke/app:status', { method: 'POST', headers: { host, 'content-type': 'application/json', ...auth }, body: '{}' })
        expect(api.status, host).toBe(403)
      }
      expect(dispatch.calls).toEqual([])
    })

    it('accepts 127.0.0.1:PORT and localhost:PORT', async () => {
      expect((await raw(port, `${prefix}/`, { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200)
      expect((await raw(port, `${prefix}/`, { headers: { host: `localhost:${port}` } })).status).toBe(200)
    })

    it('refuses a foreign Origin with 403, even with the token', async () => {
      for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`]) {
        const get = await raw(port, `${prefix}/`, { headers: { origin } })
        expect(get.status, origin).toBe(403)
        const post = await raw(port, `${prefix}/api/invoke/app:status`, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/json', ...auth },
          body: '{}',
        })
        expect(post.status, origin).toBe(403)
        const bare = await raw(port, '/api/invoke/app:status', { method: 'POST', headers: { origin, 'content-type': 'application/json', ...auth }, body: '{}' })
        expect(bare.status, origin).toBe(403)
      }
      expect(dispatch.calls).toEqual([])
    })

    it('refuses a POST that has only the prefix (no Origin, no token header)', async () => {
      const res = await raw(port, `${prefix}/api/invoke/app:status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(res.status).toBe(403)
      expect(dispatch.calls).toEqual([])
    })

    it('accepts a POST under the prefix with our Origin (what a browser sends), or with the token header', async () => {
      for (const origin of [bridge.origin, `http://localhost:${port}`]) {
        const res = await raw(port, `${prefix}/api/invoke/app:status`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: '{}',
        })
        expect(res.status).toBe(200)
      }
      const res = await raw(port, `${prefix}/api/invoke/app:status`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' })
      expect(res.status).toBe(200)
      expect(dispatch.calls).toHaveLength(3)
    })
  })

  describe('static files', () => {
    it('serves files under the prefix with the right content types and the security headers', async () => {
      const expected: Record<string, string> = {
        '/': 'text/html; charset=utf-8',
        '/index.html': 'text/html; charset=utf-8',
        '/assets/app.js': 'text/javascript; charset=utf-8',
        '/assets/style.css': 'text/css; charset=utf-8',
        '/assets/logo.svg': 'image/svg+xml',
        '/assets/logo.png': 'image/png',
        '/assets/data.json': 'application/json; charset=utf-8',
        '/favicon.ico': 'image/x-icon',
        '/assets/font.woff2': 'font/woff2',
      }
      for (const [path, type] of Object.entries(expected)) {
        const res = await fetch(at(path))
        expect(res.status, path).toBe(200)
        expect(res.headers.get('content-type'), path).toBe(type)
        expect(res.headers.get('content-security-policy'), path).toBe(CSP)
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
        expect(res.headers.get('referrer-policy'), path).toBe('no-referrer')
        expect(res.headers.get('set-cookie'), path).toBeNull()
      }
      expect(await (await fetch(at('/assets/app.js'))).text()).toBe('console.log("exitdesk")')
      // A relative URL in index.html resolves under the prefix, as a browser would resolve it.
      expect(new URL('./assets/app.js', bridge.url).href).toBe(at('/assets/app.js'))
    })

    it('carries the security headers on refusals too', async () => {
      for (const url of [`${bridge.origin}/`, `${bridge.origin}/app/wrong/`]) {
        const res = await fetch(url)
        expect(res.status).toBe(401)
        expect(res.headers.get('content-security-policy')).toBe(CSP)
        expect(res.headers.get('x-content-type-options')).toBe('nosniff')
        expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      }
    })

    it('falls back to index.html for unknown names directly under the prefix (SPA routes)', async () => {
      for (const path of ['/hosts', '/accounts?x=1', '/hosts?tab=2']) {
        const res = await fetch(at(path))
        expect(res.status, path).toBe(200)
        expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8')
        expect(await res.text(), path).toBe(INDEX)
      }
    })

    it('answers deeper unknown paths with 404, where the page’s relative URLs would not resolve', async () => {
      for (const path of ['/hosts/abc-123', '/hosts/', '/assets/missing.js', '/assets/', '/a/b/c']) {
        const res = await fetch(at(path))
        expect(res.status, path).toBe(404)
        expect(res.headers.get('content-type'), path).toBe('text/plain; charset=utf-8')
      }
    })

    it('cannot be made to leave staticDir', async () => {
      const attempts = [
        '/../package.json',
        '/../secret.txt',
        '/../../package.json',
        '/assets/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/package.json',
        '/%2e%2e/%2e%2e/package.json',
        '/%2e%2e%2fsecret.txt',
        '/..%2fsecret.txt',
        '/..%2f..%2fpackage.json',
        '/assets/%2e%2e/%2e%2e/secret.txt',
        '/..%5csecret.txt',
        '/assets%2f..%2f..%2fsecret.txt',
        '/%252e%252e/secret.txt',
        '/secret.txt%00.html',
        '/%E0%A4%A',
        '/..',
      ]
      for (const attempt of attempts) {
        const path = `${prefix}${attempt}`
        const res = await raw(port, path)
        expect(res.body, path).not.toContain(SECRET)
        expect(res.status, path).toBe(404)
      }
      // Outside the prefix (or with the prefix itself being climbed out of) nothing is served at all.
      for (const path of [...attempts.slice(0, 4), `/app/x/..${prefix}/`, `/app/..${prefix}/`, `/app/${bridge.token}%2f..%2fsecret.txt`]) {
        const res = await raw(port, path, { headers: auth })
        expect(res.body, path).not.toContain(SECRET)
        expect(res.status, path).toBe(401)
      }
    })

    it.skipIf(process.platform === 'win32')('does not follow a symlink out of staticDir', async () => {
      const res = await raw(port, `${prefix}/assets/link.txt`)
      expect(res.status).toBe(404)
      expect(res.body).not.toContain(SECRET)
    })

    it('answers HEAD without a body and refuses other methods on static paths', async () => {
      const head = await raw(port, `${prefix}/assets/app.js`, { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.body).toBe('')
      const put = await raw(port, `${prefix}/index.html`, { method: 'PUT', headers: sameOrigin, body: 'x' })
      expect(put.status).toBe(405)
      const postToBase = await raw(port, prefix, { method: 'POST', headers: sameOrigin, body: 'x' })
      expect(postToBase.status).toBe(405)
    })
  })

  describe('invoke', () => {
    /** Under the prefix with our Origin: what the page in a browser sends. */
    const post = (channel: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(at(`/api/invoke/${channel}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sameOrigin, ...headers },
        body,
      })

    it('passes channel and body to dispatch and returns its envelope unchanged with 200', async () => {
      const input = { requestId: 'x', tunnel: { mode: 'tcp', domains: ['a.example.com'] }, n: 1.5, u: 'ü' }
      const res = await post('hosts:create', JSON.stringify(input))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('content-security-policy')).toBe(CSP)
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(await res.json()).toEqual({ ok: true, data: { echo: 'hosts:create' } })
      expect(dispatch.calls).toEqual([{ channel: 'hosts:create', input }])
    })

    it('returns a failure envelope with 200 too (the envelope says ok:false, not the status)', async () => {
      const failure: Envelope<unknown> = {
        ok: false,
        error: { code: 'rate-limited', message: 'Slow down.', providerMessage: 'too many', retryable: true, retryAfterSeconds: 7 },
      }
      dispatch.answer = () => failure
      const res = await post('accounts:verify', '{"accountId":"a1"}')
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual(failure)
    })

    it('decodes an encoded channel name and passes unknown channels through to dispatch', async () => {
      await post('hosts%3Alist', '{}')
      await post('no-such-channel', '{}')
      expect(dispatch.calls.map((c) => c.channel)).toEqual(['hosts:list', 'no-such-channel'])
    })

    it('treats an empty body as no input', async () => {
      const res = await post('app:status', '')
      expect(res.status).toBe(200)
      expect(dispatch.calls).toEqual([{ channel: 'app:status', input: undefined }])
    })

    it('answers invalid JSON with 400 and an invalid-input envelope naming (body)', async () => {
      const res = await post('app:status', '{"oops":')
      expect(res.status).toBe(400)
      const body = (await res.json()) as Envelope<unknown>
      expect(body).toMatchObject({ ok: false, error: { code: 'invalid-input', field: '(body)', retryable: false } })
      expect(body.ok === false && body.error.message).toMatch(/JSON/)
      expect(dispatch.calls).toEqual([])
    })

    it('answers a non-JSON Content-Type with 415', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await post('app:status', '{}', { 'content-type': type })
        expect(res.status, type).toBe(415)
      }
      const missing = await raw(port, `${prefix}/api/invoke/app:status`, { method: 'POST', headers: sameOrigin, body: '{}' })
      expect(missing.status).toBe(415)
      const withCharset = await post('app:status', '{}', { 'content-type': 'application/json; charset=utf-8' })
      expect(withCharset.status).toBe(200)
      expect(dispatch.calls).toHaveLength(1)
    })

    it('answers a body over 1 MB with 413 (declared length or streamed chunks)', async () => {
      const big = Buffer.alloc(1024 * 1024 + 1, 0x20)
      const declared = await raw(port, `${prefix}/api/invoke/app:status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sameOrigin },
        body: big,
      })
      expect(declared.status).toBe(413)
      expect(JSON.parse(declared.body)).toMatchObject({ ok: false, error: { code: 'invalid-input', field: '(body)' } })

      const chunked = await raw(port, `${prefix}/api/invoke/app:status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...sameOrigin },
        chunks: [big.subarray(0, 600_000), big.subarray(600_000)],
      })
      expect(chunked.status).toBe(413)

      const headerOnly = await raw(port, '/api/invoke/app:status', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: big })
      expect(headerOnly.status).toBe(413)

      const justUnder = await post('app:status', Buffer.concat([Buffer.from('{}'), Buffer.alloc(1024 * 1024 - 2, 0x20)]))
      expect(justUnder.status).toBe(200)
      expect(dispatch.calls).toHaveLength(1)
    })

    it('answers other API paths and methods with 404/405', async () => {
      expect((await fetch(at('/api/nothing'))).status).toBe(404)
      expect((await fetch(at('/api'))).status).toBe(404)
      expect((await fetch(at('/api/'))).status).toBe(404)
      expect((await fetch(at('/api/invoke/app:status'))).status).toBe(405)
      expect((await fetch(at('/api/events'), { method: 'POST', headers: sameOrigin })).status).toBe(405)
      expect((await fetch(`${bridge.origin}/api/nothing`, { headers: auth })).status).toBe(404)
    })
  })

  describe('events', () => {
    it('delivers emitted events as SSE under the prefix and unsubscribes when the client goes away', async () => {
      const abort = new AbortController()
      const res = await fetch(at('/api/events'), { signal: abort.signal })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('set-cookie')).toBeNull()
      const reader = res.body!.getReader()
      const hello = await readUntil(reader, '\n\n')
      expect(events.live()).toBe(eventNames.length) // one subscription per contract event

      events.emit('hosts:changed', { version: 7 })
      events.emit('accounts:changed', { at: '2026-01-02T03:04:06.000Z' })
      const text = await readUntil(reader, 'event: accounts:changed', hello)
      expect(text).toContain('event: hosts:changed\ndata: {"version":7}\n\n')
      expect(text).toContain('event: accounts:changed\ndata: {"at":"2026-01-02T03:04:06.000Z"}\n\n')

      abort.abort()
      await waitFor(() => events.live() === 0)
    })

    it('sends heartbeat comments', async () => {
      const res = await fetch(at('/api/events'))
      const reader = res.body!.getReader()
      expect(await readUntil(reader, ': heartbeat\n\n')).toMatch(/^: /)
      await reader.cancel()
    })

    it('close() ends an open SSE stream and the server promptly', async () => {
      const res = await fetch(at('/api/events'))
      const reader = res.body!.getReader()
      await readUntil(reader, '\n\n')
      const started = Date.now()
      await bridge.close()
      expect(Date.now() - started).toBeLessThan(500)
      // The stream ends (reads drain to done) and the subscriptions are gone.
      for (;;) if ((await reader.read()).done) break
      expect(events.live()).toBe(0)
      await expect(fetch(bridge.url)).rejects.toThrow()
      await bridge.close() // idempotent
    })

    it('close() also finishes promptly with keep-alive connections open and a response still being written', async () => {
      await fetch(bridge.url).then((r) => r.text())
      const unread = await fetch(at('/assets/app.js'))
      expect(unread.status).toBe(200)
      const started = Date.now()
      await bridge.close()
      expect(Date.now() - started).toBeLessThan(500)
    })
  })

  describe('browser client (http-bridge.ts) against the real bridge', () => {
    /** What a browser does on its own: add our Origin to a POST (and, with credentials: 'omit', no cookie). */
    const browserFetch: FetchLike = (url, init) => fetch(url, { ...init, headers: { ...init.headers, origin: bridge.origin } })

    it('invokes through POST <page>/api/invoke/<channel> and returns the envelope', async () => {
      const client = createHttpBridge({ baseUrl: bridge.url, fetch: browserFetch })
      expect(await client.invoke('accounts:verify', { accountId: 'a1' })).toEqual({ ok: true, data: { echo: 'accounts:verify' } })
      expect(dispatch.calls).toEqual([{ channel: 'accounts:verify', input: { accountId: 'a1' } }])
      dispatch.answer = () => ({ ok: false, error: { code: 'not-found', message: 'No such account.', retryable: false } })
      expect(await client.invoke('accounts:verify', { accountId: 'a2' })).toEqual({
        ok: false,
        error: { code: 'not-found', message: 'No such account.', retryable: false },
      })
    })

    it('turns a dead service into the network envelope and an earlier run’s address into the unauthorized one', async () => {
      const stale = createHttpBridge({ baseUrl: `${bridge.origin}/app/old-run-token/`, fetch: browserFetch })
      expect(await stale.invoke('app:status', {})).toEqual({ ok: false, error: SESSION_ERROR })
      const bare = createHttpBridge({ baseUrl: `${bridge.origin}/`, fetch: browserFetch })
      expect(await bare.invoke('app:status', {})).toEqual({ ok: false, error: SESSION_ERROR })
      expect(dispatch.calls).toEqual([])
      const client = createHttpBridge({ baseUrl: bridge.url, fetch: browserFetch })
      await bridge.close()
      expect(await client.invoke('app:status', {})).toEqual({ ok: false, error: NETWORK_ERROR })
      expect(NETWORK_ERROR).toMatchObject({ code: 'network', retryable: true })
    })

    it('passes the service’s own envelope on 4xx and falls back to the network envelope otherwise', async () => {
      const tooBig = createHttpBridge({ baseUrl: bridge.url, fetch: browserFetch })
      const envelope = await tooBig.invoke('accounts:add', {
        cloud: 'simulator',
        label: 'x',
        credentials: { blob: 'x'.repeat(1024 * 1024) },
      })
      expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid-input', field: '(body)' } })
      const broken = createHttpBridge({ fetch: async () => ({ status: 502, json: async () => 'Bad gateway' }) })
      expect(await broken.invoke('app:status', {})).toEqual({ ok: false, error: NETWORK_ERROR })
      const garbage = createHttpBridge({ fetch: async () => ({ status: 200, json: async () => ({ nope: 1 }) }) })
      expect(await garbage.invoke('app:status', {})).toEqual({ ok: false, error: NETWORK_ERROR })
    })
  })
})

describe('the new channels over the real bridge and core', () => {
  it('hosts:details and settings:set-window answer through POST <page>/api/invoke/<channel> as over IPC', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-web-core-'))
    const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'test', timers: { setTimeout: () => 0, clearTimeout: () => undefined } })
    const bridge = await startWebBridge({ dispatch: core.dispatch, events: core.events, staticDir })
    try {
      const client = createHttpBridge({ baseUrl: bridge.url, fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, origin: bridge.origin } }) })
      const created = await client.invoke('hosts:create', { requestId: crypto.randomUUID(), accountId: 'simulated', name: 'exit-bridge', region: 'sim-local-1', plan: 'sim-nano', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
      if (!created.ok) throw new Error(created.error.message)
      const host = created.data as Host
      const details = await client.invoke('hosts:details', { hostId: host.id })
      expect(details).toMatchObject({ ok: true, data: { host: { id: host.id, name: 'exit-bridge' }, tags: ['exitdesk', `exitdesk-host-${host.id}`], image: 'Ubuntu 24.04 LTS (simulated)' } })
      expect((details.ok ? (details.data as HostDetails) : undefined)?.timeline[0]).toMatchObject({ kind: 'step', text: expect.stringMatching(/^Create requested: exit-bridge/) })
      expect(await client.invoke('hosts:details', { hostId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'hostId' } })
      const window = await client.invoke('settings:set-window', { keepRunningInTray: false })
      expect(window.ok ? (window.data as Settings).window : undefined).toEqual({ keepRunningInTray: false })
    } finally {
      await bridge.close()
      await core.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

describe('browser client URLs', () => {
  it('are relative to the page by default (the browser resolves them under /app/<token>/), without credentials', async () => {
    const seen: Array<{ url: string; credentials: string }> = []
    const client = createHttpBridge({
      fetch: async (url, init) => {
        seen.push({ url, credentials: init.credentials })
        return { status: 200, json: async () => ({ ok: true, data: null }) }
      },
    })
    await client.invoke('hosts:list', {})
    expect(seen).toEqual([{ url: 'api/invoke/hosts%3Alist', credentials: 'omit' }])
    expect(new URL(seen[0]!.url, 'http://127.0.0.1:1234/app/T0k-en_/').href).toBe('http://127.0.0.1:1234/app/T0k-en_/api/invoke/hosts%3Alist')
  })

  it('are resolved against baseUrl when one is given', async () => {
    const seen: string[] = []
    const sources: string[] = []
    const client = createHttpBridge({
      baseUrl: 'http://127.0.0.1:1234/app/T0k-en_/',
      fetch: async (url) => {
        seen.push(url)
        return { status: 200, json: async () => ({ ok: true, data: null }) }
      },
      createEventSource: (url) => {
        sources.push(url)
        return { addEventListener: () => undefined, close: () => undefined }
      },
    })
    await client.invoke('app:status', {})
    client.on('hosts:changed', () => undefined)
    expect(seen).toEqual(['http://127.0.0.1:1234/app/T0k-en_/api/invoke/app%3Astatus'])
    expect(sources).toEqual(['http://127.0.0.1:1234/app/T0k-en_/api/events'])
  })
})

describe('browser client events (fake EventSource)', () => {
  class FakeEventSource implements EventSourceLike {
    static made: FakeEventSource[] = []
    listeners = new Map<string, Array<(event: { data: string }) => void>>()
    closed = false
    constructor(readonly url: string) {
      FakeEventSource.made.push(this)
    }
    addEventListener(type: string, listener: (event: { data: string }) => void): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
    }
    close(): void {
      this.closed = true
    }
    fire(type: string, data: string): void {
      for (const listener of this.listeners.get(type) ?? []) listener({ data })
    }
  }

  beforeEach(() => {
    FakeEventSource.made = []
  })

  const make = () => createHttpBridge({ createEventSource: (url) => new FakeEventSource(url) })

  it('shares one EventSource on api/events (relative to the page) with one listener per event name', () => {
    const client = make()
    const a: unknown[] = []
    const b: unknown[] = []
    const c: unknown[] = []
    client.on('hosts:changed', (p) => a.push(p))
    client.on('hosts:changed', (p) => b.push(p))
    client.on('accounts:changed', (p) => c.push(p))
    expect(FakeEventSource.made).toHaveLength(1)
    const source = FakeEventSource.made[0]!
    expect(source.url).toBe('api/events')
    expect(source.listeners.get('hosts:changed')).toHaveLength(1)
    expect(source.listeners.get('accounts:changed')).toHaveLength(1)
    source.fire('hosts:changed', '{"version":1}')
    source.fire('accounts:changed', '{"at":"t2"}')
    source.fire('hosts:changed', 'not json') // dropped, not thrown
    expect(a).toEqual([{ version: 1 }])
    expect(b).toEqual([{ version: 1 }])
    expect(c).toEqual([{ at: 't2' }])
  })

  it('unsubscribes, and closes the stream when the last listener leaves', () => {
    const client = make()
    const seen: unknown[] = []
    const off1 = client.on('hosts:changed', (p) => seen.push(p))
    const off2 = client.on('accounts:changed', (p) => seen.push(p))
    const source = FakeEventSource.made[0]!
    off1()
    off1() // twice is harmless
    source.fire('hosts:changed', '{"version":2}')
    expect(seen).toEqual([])
    expect(source.closed).toBe(false)
    off2()
    expect(source.closed).toBe(true)
    client.on('hosts:changed', (p) => seen.push(p))
    expect(FakeEventSource.made).toHaveLength(2)
    FakeEventSource.made[1]!.fire('hosts:changed', '{"version":3}')
    expect(seen).toEqual([{ version: 3 }])
  })
})
