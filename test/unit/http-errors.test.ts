import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { httpError, RestClient, retryAfter } from '../../src/main/clouds/http'
import { doErrorMessage } from '../../src/main/clouds/digitalocean/client'
import { AppError, describeError, type AppErrorInfo } from '../../src/shared/errors'

describe('cloud HTTP errors become sentences with the provider message beside them', () => {
  it.each([
    [401, 'unauthorized', false],
    [403, 'forbidden', false],
    [404, 'not-found', false],
    [409, 'conflict', false],
    [422, 'unprocessable', false],
    [429, 'rate-limited', true],
    [500, 'provider-unavailable', true],
    [503, 'provider-unavailable', true],
  ])('HTTP %i -> %s', (status, code, retryable) => {
    const error = httpError('DigitalOcean', status, 'the provider says no')
    expect(error.info).toMatchObject({ code, retryable, providerMessage: 'the provider says no' })
    expect(error.info.message).toMatch(/^DigitalOcean .*\.$/)
    expect(error.info.message).not.toMatch(/Error:|\n\s+at |stack/)
  })

  it('reads Retry-After in seconds or as a date, and RateLimit-Reset as an epoch', () => {
    const now = Date.parse('2026-11-25T10:00:00Z')
    expect(retryAfter(new Headers({ 'retry-after': '29' }), now)).toBe(29)
    expect(retryAfter(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 10:01:00 GMT' }), now)).toBe(60)
    expect(retryAfter(new Headers({ 'ratelimit-reset': String(now / 1000 + 42) }), now)).toBe(42)
    expect(retryAfter(new Headers({}), now)).toBeUndefined()
    const limited = httpError('DigitalOcean', 429, 'API Rate limit exceeded.', new Headers({ 'retry-after': '29' }))
    expect(limited.info.retryAfterSeconds).toBe(29)
    expect(limited.info.message).toContain('29 s')
  })
})

/** A plain node:http endpoint whose answer each test writes by hand. */
let server: Server | undefined
afterEach(async () => {
  const closing = server
  server = undefined
  if (closing) {
    closing.closeAllConnections()
    await new Promise<void>((resolve) => closing.close(() => resolve()))
  }
})

async function endpoint(answer: (response: ServerResponse) => void): Promise<string> {
  server = createServer((_request, response) => answer(response))
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function client(baseUrl: string, timeoutMs = 5_000): RestClient {
  return new RestClient({ provider: 'DigitalOcean', baseUrl, headers: () => ({ authorization: 'Bearer secret-token' }), providerMessage: () => undefined, timeoutMs })
}

async function failure(promise: Promise<unknown>): Promise<AppErrorInfo> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(AppError)
  return (error as AppError).info
}

/** Sends the headers and half a JSON body, then leaves the socket open (stalled) or destroys it (reset). */
function halfAnswer(response: ServerResponse, then: 'reset' | 'stall'): void {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
  response.write('{"account": {"email": "sammy@exa', () => {
    if (then === 'reset') setTimeout(() => response.socket?.destroy(), 20)
  })
}

/** A request to a loopback port whose server has just gone away: the connection is refused. */
async function refusedConnection(): Promise<AppErrorInfo> {
  const url = await endpoint(() => undefined)
  await new Promise<void>((resolve) => {
    server!.closeAllConnections()
    server!.close(() => resolve())
  })
  server = undefined
  return failure(client(url).request('GET', '/v2/account', { signal: new AbortController().signal }))
}

describe('RestClient: failures below HTTP are sentences too', () => {
  it('a connection reset while the body arrives is "network", not "internal"', async () => {
    const url = await endpoint((response) => halfAnswer(response, 'reset'))
    const info = await failure(client(url).request('GET', '/v2/account', { signal: new AbortController().signal }))
    expect(info.code).toBe('network')
    expect(info.retryable).toBe(true)
    expect(info.message).toMatch(/^The connection to DigitalOcean broke before its answer arrived\. .*\.$/)
    expect(JSON.stringify(info)).not.toMatch(/terminated|TypeError|secret-token/)
  })

  it('our own deadline firing while the body arrives is "timeout"', async () => {
    const url = await endpoint((response) => halfAnswer(response, 'stall'))
    const info = await failure(client(url, 150).request('GET', '/v2/account', { signal: new AbortController().signal }))
    expect(info).toMatchObject({ code: 'timeout', retryable: true })
    expect(info.message).toBe('DigitalOcean did not answer in time. Please try again.')
  })

  it("the caller's AbortSignal.timeout() (as withDeadline passes) is a timeout, not a network failure", async () => {
    const url = await endpoint(() => undefined) // never answers
    const started = Date.now()
    const info = await failure(client(url).request('GET', '/v2/account', { signal: AbortSignal.timeout(50) }))
    expect(info).toMatchObject({ code: 'timeout', retryable: true })
    expect(info.message).toBe('DigitalOcean did not answer in time. Please try again.')
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it("the caller's AbortSignal.timeout() firing mid-body is a timeout as well", async () => {
    const url = await endpoint((response) => halfAnswer(response, 'stall'))
    const info = await failure(client(url).request('GET', '/v2/account', { signal: AbortSignal.timeout(100) }))
    expect(info.code).toBe('timeout')
    expect(info.message).toMatch(/did not answer in time/)
  })

  it('a cancellation by the caller still says "cancelled"', async () => {
    const url = await endpoint(() => undefined)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const info = await failure(client(url).request('GET', '/v2/account', { signal: controller.signal }))
    expect(info.code).toBe('timeout')
    expect(info.message).toBe('The request to DigitalOcean was cancelled.')
  })

  it('a refused connection is "network" with the connect sentence', async () => {
    const info = await refusedConnection()
    expect(info.code).toBe('network')
    expect(info.message).toMatch(/^Could not reach DigitalOcean\./)
  })
})

describe('who said it: local failures are Exitdesk details, not the provider talking', () => {
  it('a refused loopback connection is described with its cause as a detail, without "The provider said"', async () => {
    const info = await refusedConnection()
    expect(info.providerMessage).toBeUndefined()
    expect(info.detail).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+/)
    const sentence = describeError(info)
    expect(sentence).not.toMatch(/provider said/i)
    expect(sentence).toMatch(/^Could not reach DigitalOcean\. .*\(details: connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/)
  })

  it("an error body's message is still the provider's words", async () => {
    const url = await endpoint((response) => {
      response.writeHead(422, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ id: 'unprocessable_entity', message: 'Size is not available in this region.' }))
    })
    const rest = new RestClient({ provider: 'DigitalOcean', baseUrl: url, headers: () => ({}), providerMessage: doErrorMessage })
    const info = await failure(rest.request('POST', '/v2/droplets', { body: {}, signal: new AbortController().signal }))
    expect(info.detail).toBeUndefined()
    expect(describeError(info)).toBe('DigitalOcean could not accept these settings. The provider said: "Size is not available in this region."')
  })

  it('a server that closes the connection without answering ("other side closed") is our diagnosis, and a POST\'s outcome is unknown', async () => {
    const url = await endpoint((response) => void response.socket?.destroy())
    const post = await failure(client(url).request('POST', '/v2/droplets', { body: {}, signal: new AbortController().signal }))
    expect(post).toMatchObject({ code: 'network', retryable: true, outcome: 'unknown' })
    expect(post.providerMessage).toBeUndefined()
    expect(post.detail).toMatch(/other side closed|socket hang up|ECONNRESET/)
    expect(describeError(post)).not.toMatch(/provider said/i)
    const get = await failure(client(url).request('GET', '/v2/droplets', { signal: new AbortController().signal }))
    expect(get).toMatchObject({ code: 'network', outcome: 'none' }) // a read changes nothing
  })

  it('a 2xx that is not the provider\'s (a portal page, JSON labelled as HTML, a cut-off body, an undocumented status) is an unknown outcome, never a success', async () => {
    const answers: Array<[string, (response: ServerResponse) => void]> = [
      ['HTTP 200 where the API answers 202', (response) => { response.writeHead(200, { 'content-type': 'text/html' }); response.end('<html><body>Welcome to the hotel Wi-Fi</body></html>') }],
      ['text/html', (response) => { response.writeHead(202, { 'content-type': 'text/html' }); response.end(JSON.stringify({ droplet: { id: 1 } })) }],
      ['not complete JSON', (response) => { response.writeHead(202, { 'content-type': 'application/json' }); response.end('{"droplet": {"id": 1') }],
      ['where the API answers 202', (response) => { response.writeHead(204, { 'content-type': 'application/json' }); response.end() }],
    ]
    for (const [why, answer] of answers) {
      const url = await endpoint(answer)
      const info = await failure(client(url).request('POST', '/v2/droplets', { body: {}, expect: [202], signal: new AbortController().signal }))
      expect(info).toMatchObject({ code: 'provider-unavailable', retryable: true, outcome: 'unknown', message: 'DigitalOcean answered with something Exitdesk does not understand.' })
      expect(info.detail).toContain(why)
      expect(info.providerMessage).toBeUndefined()
      expect(JSON.stringify(info)).not.toContain('hotel')
    }
    const portal = await endpoint((response) => { response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); response.end('<html>Sign in to the hotel Wi-Fi</html>') })
    const read = await failure(client(portal).request('GET', '/v2/droplets', { expect: [200], signal: new AbortController().signal }))
    expect(read).toMatchObject({ code: 'provider-unavailable', outcome: 'none', detail: 'GET /v2/droplets: HTTP 200 with text/html instead of JSON' })
  })

  it('describeError puts a detail after the provider words, and AppError messages carry both', () => {
    const info = { code: 'network', message: 'M.', providerMessage: 'P', detail: 'D', retryable: true } as const
    expect(describeError(info)).toBe('M. The provider said: "P" (details: D)')
    expect(new AppError(info).message).toBe('M. (P) (details: D)')
  })
})
