/**
 * A real core on a temporary data folder for the echo tests (a fake cloud that repeats every
 * request back in its errors): everything main puts out is collected — the envelopes of `call`,
 * every event, and once the core has stopped every file in the data folder — and the secrets
 * the core stores are kept, so a test can look for them in all of it.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCore } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { eventNames } from '../../src/shared/contract'
import type { Envelope } from '../../src/shared/errors'

export async function startEchoCore(dataDirPrefix: string) {
  const dataDir = await mkdtemp(join(tmpdir(), dataDirPrefix))
  const stored = new Map<string, string>()
  const memory = createMemorySecretStore()
  const secrets = { ...memory, kind: memory.kind, set: async (key: string, value: string) => void (stored.set(key, value), await memory.set(key, value)) }
  const core = await createCore({ dataDir, secrets, shell: 'web', version: 'test' })
  const outputs: string[] = []
  for (const name of eventNames) core.events.on(name, (payload) => void outputs.push(JSON.stringify(payload)))
  let stopped = false
  const close = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await core.stop()
  }
  return {
    core,
    dataDir,
    /** Dispatches as the renderer would; the envelope is kept as an output. */
    async call(channel: string, input: unknown): Promise<Envelope<unknown>> {
      const envelope = await core.dispatch(channel, input)
      outputs.push(JSON.stringify(envelope))
      return envelope
    },
    /** The tunnel tokens the core stored. */
    tunnelTokens: (): string[] => [...stored].filter(([key]) => key.endsWith(':tunnel-token')).map(([, value]) => value),
    /** Stops the core (once). */
    close,
    /** Stops the core and answers every output: envelopes, events and every file in the data folder. */
    async everything(): Promise<string> {
      await close()
      const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
      for (const file of files) outputs.push(await readFile(join(file.parentPath, file.name), 'utf8'))
      return outputs.join('\n')
    },
  }
}
