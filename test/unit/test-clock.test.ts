import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testClockFromEnv } from '../../src/main/test-clock'

describe('the test-only clock of the web shell (EXITDESK_TEST_CLOCK_FILE)', () => {
  it('is absent unless asked for', () => {
    expect(testClockFromEnv({})).toBeUndefined()
  })

  it('is refused outside the test harness, saying why', () => {
    expect(() => testClockFromEnv({ EXITDESK_TEST_CLOCK_FILE: '/tmp/x' })).toThrow(/test harness only/)
    expect(() => testClockFromEnv({ EXITDESK_TEST_CLOCK_FILE: '/tmp/x', VITEST: '1' })).toThrow(/test harness only/)
  })

  it('adds the offset in the file to the real time, and the real time when the file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdesk-test-clock-'))
    const missing = testClockFromEnv({ EXITDESK_TEST_CLOCK_FILE: join(dir, 'none'), VITEST: 'true' })!
    expect(Math.abs(missing.now() - Date.now())).toBeLessThan(60_000)
    missing.stop()
    const file = join(dir, 'offset')
    await writeFile(file, String(3_600_000))
    const clock = testClockFromEnv({ EXITDESK_TEST_CLOCK_FILE: file, VITEST: 'true' })!
    expect(clock.now() - Date.now()).toBeGreaterThan(3_500_000)
    clock.stop()
  })
})
