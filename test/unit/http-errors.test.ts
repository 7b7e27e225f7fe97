import { describe, expect, it } from 'vitest'
import { httpError, retryAfter } from '../../src/main/clouds/http'

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
