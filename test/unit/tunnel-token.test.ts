import * as crypto from 'node:crypto'
import { afterEach, describe, it, expect, vi } from 'vitest'
import { AppError } from '../../src/shared/errors'
import {
  assertTunnelToken,
  generateTunnelToken,
  isTunnelToken,
  TOKEN_ALPHABET,
  TOKEN_LENGTH,
} from '../../src/main/tunnel/token'

// Lets one test feed chosen bytes; every other test gets the real CSPRNG.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, randomBytes: vi.fn(actual.randomBytes) }
})

afterEach(() => {
  vi.mocked(crypto.randomBytes).mockClear()
})

describe('generateTunnelToken', () => {
  it('is 64 characters of base62', () => {
    expect(TOKEN_LENGTH).toBe(64)
    expect(TOKEN_ALPHABET).toHaveLength(62)
    expect(new Set(TOKEN_ALPHABET).size).toBe(62)
    for (let i = 0; i < 200; i++) {
      const token = generateTunnelToken()
      expect(token).toHaveLength(64)
      expect(token).toMatch(/^[0-9A-Za-z]{64}$/)
    }
  })

  it('never repeats over many draws', () => {
    const draws = 20_000
    const seen = new Set<string>()
    for (let i = 0; i < draws; i++) seen.add(generateTunnelToken())
    expect(seen.size).toBe(draws)
  })

  it('uses every character about equally often (chi-squared)', () => {
    const counts = new Map<string, number>([...TOKEN_ALPHABET].map((c) => [c, 0]))
    const tokens = 4_000
    for (let i = 0; i < tokens; i++) {
      for (const c of generateTunnelToken()) counts.set(c, (counts.get(c) ?? 0) + 1)
    }
    const expected = (tokens * TOKEN_LENGTH) / TOKEN_ALPHABET.length // about 4129 per character
    const chiSquared = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0)
    // 61 degrees of freedom: mean 61, sd about 11; 140 is beyond p = 1e-9. Plain `byte % 62`
    // (8 characters 25% too likely) would score in the thousands here.
    expect(chiSquared).toBeLessThan(140)
    // The characters `byte % 62` would favour (the first 8) are not over-represented.
    const favoured = [...TOKEN_ALPHABET.slice(0, 8)].reduce((sum, c) => sum + (counts.get(c) ?? 0), 0)
    expect(favoured / (8 * expected)).toBeLessThan(1.05)
  })

  it('discards bytes at or above 248 instead of folding them onto the alphabet (no modulo bias)', () => {
    const fed = Buffer.alloc(80)
    // 248..255 would map onto '0'..'7' under plain modulo; they must be skipped.
    for (let i = 0; i < 8; i++) fed[i] = 248 + i
    for (let i = 8; i < fed.length; i++) fed[i] = (i - 8) % 62
    vi.mocked(crypto.randomBytes).mockImplementationOnce((() => fed) as unknown as typeof crypto.randomBytes)
    const token = generateTunnelToken()
    expect(token).toBe(TOKEN_ALPHABET + TOKEN_ALPHABET.slice(0, 2))
  })

  it('draws again when one batch of bytes is not enough', () => {
    const rejectAll = Buffer.alloc(80, 255)
    vi.mocked(crypto.randomBytes).mockImplementationOnce((() => rejectAll) as unknown as typeof crypto.randomBytes)
    const token = generateTunnelToken()
    expect(token).toMatch(/^[0-9A-Za-z]{64}$/)
    expect(vi.mocked(crypto.randomBytes).mock.calls.length).toBeGreaterThanOrEqual(2)
  })
})

describe('isTunnelToken / assertTunnelToken', () => {
  it('accepts generated tokens', () => {
    const token = generateTunnelToken()
    expect(isTunnelToken(token)).toBe(true)
    expect(() => assertTunnelToken(token)).not.toThrow()
  })

  it.each([
    ['too short', 'a'.repeat(63)],
    ['too long', 'a'.repeat(65)],
    ['a quote', `${'a'.repeat(63)}'`],
    ['a dollar', `${'a'.repeat(63)}$`],
    ['a space', `${'a'.repeat(63)} `],
    ['base64 characters', `${'a'.repeat(62)}+/`],
    ['a trailing newline', `${'a'.repeat(64)}\n`],
  ])('rejects %s with an invalid-input error that does not repeat the value', (_name, value) => {
    expect(isTunnelToken(value)).toBe(false)
    try {
      assertTunnelToken(value, 'tunnel.token')
      throw new Error('expected a rejection')
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      const info = (error as AppError).info
      expect(info.code).toBe('invalid-input')
      expect(info.field).toBe('tunnel.token')
      expect(info.message).not.toContain(value)
    }
  })

  it('rejects non-strings', () => {
    expect(isTunnelToken(undefined)).toBe(false)
    expect(isTunnelToken(42)).toBe(false)
  })
})
