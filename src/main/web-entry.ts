/**
 * `npm run web`: the same core and the same renderer, served to an ordinary browser on
 * 127.0.0.1 with a random per-run token in the printed URL. Used where Electron cannot run,
 * and by the end-to-end tests.
 */
import { join } from 'node:path'
import { version } from '../../package.json'
import { createCore } from './core'
import { defaultDataDir } from './data-dir'
import { log } from './log'
import { createSecretStore } from './secrets'
import { testClockFromEnv } from './test-clock'
import { startWebBridge } from './web'

async function main(): Promise<void> {
  const dataDir = defaultDataDir()
  // Only under the test harness (it refuses otherwise): lets an end-to-end test move time.
  const clock = testClockFromEnv()
  const core = await createCore({ dataDir, secrets: createSecretStore(), shell: 'web', version, ...(clock ? { clock } : {}) })
  const port = process.env.EXITDESK_PORT ? Number(process.env.EXITDESK_PORT) : 0
  const bridge = await startWebBridge({ dispatch: core.dispatch, events: core.events, staticDir: join(__dirname, '../renderer'), port })
  log.info(`Exitdesk is running. Open this address in your browser (it contains this run's access token):\n\n  ${bridge.url}\n\nData folder: ${dataDir}\nPress Ctrl+C to stop.`)
  const stop = (): void => {
    void Promise.all([core.stop(), bridge.close()]).finally(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  log.error(`Exitdesk could not start: ${error instanceof Error ? error.message : 'unknown error'}`)
  process.exit(1)
})
