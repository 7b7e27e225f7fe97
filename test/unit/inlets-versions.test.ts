import { describe, expect, it } from 'vitest'
import { DEFAULT_INLETS_VERSION as fromDomain } from '../../src/shared/domain'
import {
  checkInletsRelease,
  compareReleases,
  DEFAULT_INLETS_VERSION,
  KNOWN_INLETS_RELEASES,
  needsAutoTlsLegacy,
} from '../../src/shared/inlets-versions'

describe('KNOWN_INLETS_RELEASES', () => {
  it('lists the releases with evidence of no --letsencrypt-email, oldest first, each with a source', () => {
    expect(KNOWN_INLETS_RELEASES.map((r) => r.version)).toEqual(['0.11.5', '0.11.13', '0.11.14'])
    for (const release of KNOWN_INLETS_RELEASES) expect(release.source.length).toBeGreaterThan(10)
  })

  it('defaults to the newest, and domain.ts re-exports the same value', () => {
    expect(DEFAULT_INLETS_VERSION).toBe('0.11.14')
    expect(fromDomain).toBe(DEFAULT_INLETS_VERSION)
  })
})

describe('checkInletsRelease', () => {
  it.each(KNOWN_INLETS_RELEASES.map((r) => [r.version]))('knows %s', (version) => {
    expect(checkInletsRelease(version).status).toBe('known')
  })

  it.each(['0.11.15', '0.11.99', '0.12.0', '0.12.7'])('accepts the plausible newer %s with a warning naming it', (version) => {
    const check = checkInletsRelease(version)
    expect(check.status).toBe('newer')
    if (check.status === 'newer') expect(check.warning).toContain(`inlets-pro ${version} is newer than the releases Exitdesk knows`)
  })

  it.each([
    ['999.999.999', 'implausible'],
    ['1.0.0', 'a new major'],
    ['0.13.0', 'two minors ahead'],
    ['0.11.100', 'patch 100'],
    ['0.11.4', 'older than the oldest known (still takes --letsencrypt-email)'],
    ['0.10.3', 'older'],
    ['0.11.7', 'between known releases, without evidence'],
    ['0.11', 'not three numbers'],
    ['v0.11.14', 'a leading v'],
    ['0.11.014', 'a leading zero'],
  ])('refuses %s (%s) with a sentence naming tunnel.inletsVersion', (version) => {
    const check = checkInletsRelease(version)
    expect(check.status).toBe('refused')
    if (check.status === 'refused') {
      expect(check.message.startsWith('tunnel.inletsVersion ')).toBe(true)
      expect(check.message.endsWith('.')).toBe(true)
      expect(check.message).toBe(`tunnel.inletsVersion ${check.reason}.`)
    }
  })

  it('names another field when asked to', () => {
    const check = checkInletsRelease('999.999.999', 'clientVersion')
    expect(check.status === 'refused' && check.message.startsWith('clientVersion ')).toBe(true)
  })
})

describe('needsAutoTlsLegacy', () => {
  it.each([
    ['0.11.14', '0.11.13', true],
    ['0.11.14', '0.11.5', true],
    ['0.12.0', '0.11.13', true],
    ['0.11.14', '0.11.14', false],
    ['0.11.13', '0.11.13', false],
    ['0.11.13', '0.11.14', false], // an older client does not know the flag
    ['0.11.5', '0.11.13', false],
  ])('client %s, server %s: %s', (client, server, expected) => {
    expect(needsAutoTlsLegacy(client, server)).toBe(expected)
  })
})

describe('compareReleases', () => {
  it('compares numerically, not as text', () => {
    expect(compareReleases('0.11.5', '0.11.13')).toBeLessThan(0)
    expect(compareReleases('0.12.0', '0.11.99')).toBeGreaterThan(0)
    expect(compareReleases('0.11.14', '0.11.14')).toBe(0)
  })
})
