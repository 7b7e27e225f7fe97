/** Starts bench/support/fake-child.ts in its own Node process (through tsx) and talks to it over stdio. */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'

export interface FakeInChild {
  url: string
  token: string
  close(): Promise<void>
}

export async function startFakeInChild(droplets: number): Promise<FakeInChild> {
  const script = resolve('bench/support/fake-child.ts') // benches run from the repository root
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, EXITDESK_BENCH_DROPLETS: String(droplets) },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The fake's process ended (${code}) before it listened.`)))
    lines.once('line', (line) => resolve(JSON.parse(line) as { url: string; token: string }))
  })
  return {
    ...first,
    close: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit')
        child.once('exit', () => resolve())
        child.stdin!.end()
      }),
  }
}
