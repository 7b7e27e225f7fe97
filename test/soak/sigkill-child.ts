/**
 * The app for test/soak/sigkill.test.ts: the real core (ledger, accounts, host service) on a data
 * folder, driven by its parent over the IPC channel, to be killed with SIGKILL at a chosen moment
 * and started again on the same folder. Run as
 *
 *   node --import tsx test/soak/sigkill-child.ts      (with an IPC channel; see sigkill.test.ts)
 *
 * Environment: EXITDESK_CHILD_DATA_DIR (the data folder), EXITDESK_CHILD_CLOCK (fake time to start
 * at, epoch ms: the parent's clock, which the fake cloud also runs on), EXITDESK_CHILD_CLOUD (which
 * cloud's adapter to add, test/soak/targets/; default digitalocean) and what that cloud's target
 * puts in the environment (the GCE fake's token, NODE_EXTRA_CA_CERTS for the Azure fake's
 * certificate). Nothing runs on its own:
 * no timers; the parent advances the clock and asks for refreshes. Credentials live in a file
 * (test/support/file-secret-store.ts) in the data folder, so they outlive the process.
 */
import { join } from 'node:path'
import { createCore } from '../../src/main/core'
import { createFileSecretStore } from '../support/file-secret-store'
import { CLOUDS, CLOUD_NAMES } from './targets'
import type { TargetCloud } from './targets/types'

export type ChildRequest =
  | { id: number; cmd: 'dispatch'; channel: string; input: unknown }
  | { id: number; cmd: 'advance'; ms: number }
  | { id: number; cmd: 'refresh' }
  | { id: number; cmd: 'stop' }

export type ChildMessage = { ready: true } | { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { fatal: string }

const send = (message: ChildMessage): void => void process.send?.(message)

async function main(): Promise<void> {
  const dataDir = process.env.EXITDESK_CHILD_DATA_DIR
  if (!dataDir || !process.send) throw new Error('run me from sigkill.test.ts: EXITDESK_CHILD_DATA_DIR and an IPC channel are needed')
  const cloud = (process.env.EXITDESK_CHILD_CLOUD ?? 'digitalocean') as TargetCloud
  if (!CLOUD_NAMES.includes(cloud)) throw new Error(`EXITDESK_CHILD_CLOUD: "${cloud}" is none of ${CLOUD_NAMES.join(', ')}`)
  let now = Number(process.env.EXITDESK_CHILD_CLOCK ?? Date.now())
  const clock = { now: () => now }
  const core = await createCore({
    dataDir,
    secrets: createFileSecretStore(join(dataDir, 'test-secrets.json')),
    shell: 'web',
    version: 'sigkill-test',
    clock,
    timers: { setTimeout: () => 0, clearTimeout: () => undefined },
    // A short per-request deadline: a request whose answer the parent holds back fails fast.
    extraProvisioners: [CLOUDS[cloud].provisioner({ timeoutMs: 2_000, env: process.env })],
  })
  process.on('message', (message: ChildRequest) => {
    const run = async (): Promise<unknown> => {
      switch (message.cmd) {
        case 'dispatch':
          return core.dispatch(message.channel, message.input)
        case 'advance':
          now += message.ms
          return now
        case 'refresh':
          await core.hosts.refresh()
          return null
        case 'stop':
          await core.stop()
          setImmediate(() => process.exit(0))
          return null
      }
    }
    run().then(
      (result) => send({ id: message.id, ok: true, result }),
      (error: unknown) => send({ id: message.id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    )
  })
  process.on('disconnect', () => process.exit(0))
  send({ ready: true })
}

main().catch((error: unknown) => {
  send({ fatal: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  process.exit(1)
})
