import { describe, expect, it } from 'vitest'
import { formatCountdown } from '../../src/renderer/src/lib/countdown'

const at = '2026-11-25T11:00:00.000Z'
const before = (ms: number) => Date.parse(at) - ms

describe('the auto-teardown countdown', () => {
  it('never says less time than is left, and names the units', () => {
    expect(formatCountdown(at, before(3_600_000))).toBe('deletes in 1 h')
    expect(formatCountdown(at, before(3_600_000 - 1))).toBe('deletes in 1 h') // 59 min and a bit: rounds up
    expect(formatCountdown(at, before(59 * 60_000))).toBe('deletes in 59 min')
    expect(formatCountdown(at, before(1))).toBe('deletes in 1 min')
    expect(formatCountdown(at, before(8 * 3_600_000 - 60_000))).toBe('deletes in 7 h 59 min')
    expect(formatCountdown(at, before(7 * 86_400_000))).toBe('deletes in 7 days')
  })

  it('says "deleting now" once the deadline has passed, and nothing for an unreadable time', () => {
    expect(formatCountdown(at, before(0))).toBe('deleting now')
    expect(formatCountdown(at, before(-60_000))).toBe('deleting now')
    expect(formatCountdown('not a time', 0)).toBeUndefined()
  })
})
