/**
 * A clock the end-to-end tests can move: EXITDESK_TEST_CLOCK_FILE names a file holding a number
 * of milliseconds added to the real time (absent or unreadable: 0). The file is watched, so a
 * test moves Exitdesk's time by writing it, e.g. past an auto-teardown deadline, instead of
 * waiting an hour.
 *
 * For the test harness only: the variable is refused unless the process was started by vitest
 * (VITEST=true, which vitest sets and test/e2e/support.ts passes on), so an ordinary run can
 * never have its deadlines moved by a stray environment variable.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs'
import type { Clock } from './clock'

/** How often the file is looked at; a test waits for what the new time causes, never for this. */
const WATCH_INTERVAL_MS = 100

export function testClockFromEnv(env: NodeJS.ProcessEnv = process.env): (Clock & { stop(): void }) | undefined {
  const file = env.EXITDESK_TEST_CLOCK_FILE
  if (!file) return undefined
  if (env.VITEST !== 'true') throw new Error('EXITDESK_TEST_CLOCK_FILE is for the test harness only (it moves every deadline); unset it.')
  let offset = 0
  const read = (): void => {
    try {
      const value = Number(readFileSync(file, 'utf8').trim())
      if (Number.isFinite(value)) offset = value
    } catch {
      // Not written yet: the real time.
    }
  }
  read()
  watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, read)
  return { now: () => Date.now() + offset, stop: () => unwatchFile(file, read) }
}
