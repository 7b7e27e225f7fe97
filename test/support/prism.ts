/**
 * What the contract tests (test/contract/) share: where the provider specs and Prism are, the
 * "skip with a printed reason, except under CI" rule for missing prerequisites, and a
 * `prism proxy --errors` child process between an adapter and a fake cloud.
 *
 * With `--errors`, a request the spec rejects comes back 422 from Prism and an answer that breaks
 * it comes back 500 (VIOLATIONS). The specs are read from EXITDESK_PROVIDER_SPECS (default
 * ../shared/provider-specs) and never copied into the project.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

export const PROVIDER_SPECS = process.env.EXITDESK_PROVIDER_SPECS ?? path.resolve('../shared/provider-specs')
export const PRISM = path.resolve('node_modules/.bin/prism')

const isTruthy = (value: string | undefined): boolean => Boolean(value) && !['0', 'false', 'no'].includes(value!.toLowerCase())
/** Under CI a missing spec or prism is a failure, so CI cannot pass without running the contract for real. */
export const CONTRACT_REQUIRED = isTruthy(process.env.CI)

/**
 * Reports missing prerequisites of `subject` (e.g. "Linode contract test"): under CI a test that
 * fails with `reason`, else a printed warning. Nothing when `reason` is undefined. Answers the
 * `describe` to declare the suite with: `describe.skip` when something is missing.
 */
export function requirePrerequisites(subject: string, reason: string | undefined): typeof describe | typeof describe.skip {
  if (!reason) return describe
  if (CONTRACT_REQUIRED) {
    describe(`${subject} prerequisites`, () => {
      it('are present (required because CI is set)', () => {
        expect.fail(`The ${subject} cannot run: ${reason}`)
      })
    })
  } else {
    console.warn(`Skipping the ${subject}: ${reason}`)
  }
  return describe.skip
}

/** What to say when a spec is not there: `missing`, and how to point the tests at the specs. */
export const missingSpec = (missing: string): string => `${missing} (set EXITDESK_PROVIDER_SPECS to the provider-specs folder)`

/**
 * The `describe` of a Prism contract suite about `subject` (e.g. "Linode contract test"):
 * `describe.skip`, reported as `requirePrerequisites` does, when `specFile` is absent (`missing`
 * says which spec) or Prism is not installed.
 */
export function prismSuite(subject: string, specFile: string | undefined, missing: string): typeof describe | typeof describe.skip {
  const reason = !specFile || !existsSync(specFile) ? missingSpec(missing) : !existsSync(PRISM) ? `prism is not installed at ${PRISM}` : undefined
  return requirePrerequisites(subject, reason)
}

export interface PrismProxy {
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  child: ChildProcess
  /** Everything Prism has printed so far (stdout and stderr). */
  readonly log: string
  /**
   * Prism's log lines for the requests `run` made (Prism logs a little after it answers):
   * waits until Prism has logged a forwarded answer for each request `forwarded()` counts
   * more after `run` than before (the requests the fake saw through Prism).
   */
  logged(run: () => Promise<void>, forwarded: () => number): Promise<string>
  /** SIGTERM, then SIGKILL after 5 s if Prism is still there. */
  stop(): Promise<void>
}

/**
 * Starts `prism proxy <specFile> <upstream> --errors` on a free port of 127.0.0.1 and resolves
 * once Prism says it is listening and its port accepts a connection; Prism is stopped if it
 * does not get there within `timeoutMs`.
 */
export async function startPrismProxy(specFile: string, upstream: string, timeoutMs: number): Promise<PrismProxy> {
  const port = await freePort()
  const child = spawn(PRISM, ['proxy', specFile, upstream, '-h', '127.0.0.1', '-p', String(port), '--errors'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  const proxy: PrismProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    get log() {
      return log
    },
    async logged(run, forwarded) {
      const mark = log.length
      const sent = forwarded()
      await run()
      const count = forwarded() - sent
      await until(() => (log.slice(mark).match(/Received forward response/g) ?? []).length >= count)
      await new Promise((resolve) => setTimeout(resolve, 200))
      return log.slice(mark)
    },
    stop: () => stopChild(child),
  }
  try {
    await waitForPrism(port, () => log, child, timeoutMs)
  } catch (error) {
    await stopChild(child)
    throw error
  }
  return proxy
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` has passed (then returns anyway: the caller's assertion tells). */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Resolves once prism says it is listening and its port accepts a connection. */
async function waitForPrism(port: number, output: () => string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited early (${child.exitCode}):\n${output().slice(-2000)}`)
    if (/listening on/i.test(output()) && (await accepts(port))) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`prism did not start within ${timeoutMs} ms:\n${output().slice(-2000)}`)
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
