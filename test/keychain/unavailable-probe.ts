/**
 * Run in a child process by keytar-store.test.ts with DBUS_SESSION_BUS_ADDRESS pointing
 * nowhere (or unset), so the parent's keytar/libsecret connection is not disturbed.
 * Uses the REAL keytar module. Prints one JSON line describing what the store did; a crash
 * shows up as a non-zero exit and no JSON.
 *
 *   node --import tsx test/keychain/unavailable-probe.ts
 */
import { AppError } from '../../src/shared/errors'
import { createKeytarSecretStore } from '../../src/main/secrets/keytar-store'

const SECRET = 'exitdesk-probe-secret-do-not-print'

async function outcome(call: Promise<unknown>) {
  try {
    return { resolved: await call }
  } catch (error) {
    if (error instanceof AppError) return { code: error.info.code, message: error.message, retryable: error.info.retryable }
    return { unexpected: String(error) }
  }
}

async function main() {
  const store = createKeytarSecretStore(`exitdesk-test-unavailable-${process.pid}`, { probeTimeoutMs: 15_000 })
  const status = await store.available()
  const set = await outcome(store.set('probe/key', SECRET))
  const get = await outcome(store.get('probe/key'))
  const del = await outcome(store.delete('probe/key'))
  process.stdout.write(`${JSON.stringify({ status, set, get, delete: del, secret: SECRET })}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`unavailable-probe crashed: ${String(error)}\n`)
  process.exit(2)
})
