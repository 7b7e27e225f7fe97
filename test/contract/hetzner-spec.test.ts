/**
 * Contract test: the Hetzner Cloud adapter's requests and the fake's answers, checked against
 * Hetzner's own API description (docs.hetzner.cloud/cloud.spec.json) by `prism proxy --errors`
 * sitting between them. A request the description rejects comes back 422 from Prism; an answer
 * that breaks it comes back 500 (VIOLATIONS). The description's paths (`/servers`, …) sit under
 * the `/v1` of its `servers` URL, which Prism does not strip, so the adapter talks to Prism
 * without `/v1` and the fake answers both forms. The spec folder is read from
 * EXITDESK_PROVIDER_SPECS (default ../shared/provider-specs) and never copied into the project.
 * Without the spec or Prism the suite skips with a printed reason, except when CI is set: then it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, StepResult } from '../../src/main/clouds/types'
import { createHetznerProvisioner } from '../../src/main/clouds/hetzner'
import { startFakeHetzner, type FakeHetzner } from '../fakes/hetzner'

const SPECS = process.env.EXITDESK_PROVIDER_SPECS ?? path.resolve('../shared/provider-specs')
const SPEC_FILE = path.join(SPECS, 'hetzner', 'cloud.spec.json')
const PRISM = path.resolve('node_modules/.bin/prism')
const ACTIVATE_MS = 30_000
const DELETE_MS = 5_000

const skipReason = !existsSync(SPEC_FILE)
  ? `no Hetzner Cloud API description at ${SPEC_FILE} (set EXITDESK_PROVIDER_SPECS to the provider-specs folder)`
  : !existsSync(PRISM)
    ? `prism is not installed at ${PRISM}`
    : undefined
/**
 * The description names its error answers with lower-case ranges ("4xx", "5xx"), where OpenAPI
 * 3 spells them "4XX"; Prism matches only the latter and reports every error answer as an
 * unknown status. That one line is set aside, and the error bodies are checked against the
 * description's own 4xx schema by `expectDocumentedError` instead.
 */
const LOWERCASE_RANGE = /^.*Violation: response Unable to match the returned status code with those defined in the document: \d{3},4xx,5xx\n?/gm
const isTruthy = (value: string | undefined): boolean => Boolean(value) && !['0', 'false', 'no'].includes(value!.toLowerCase())
const REQUIRED = isTruthy(process.env.CI)

if (skipReason) {
  if (REQUIRED) {
    describe('Hetzner Cloud contract test prerequisites', () => {
      it('are present (required because CI is set)', () => {
        expect.fail(`The Hetzner Cloud contract test cannot run: ${skipReason}`)
      })
    })
  } else {
    console.warn(`Skipping the Hetzner Cloud contract test: ${skipReason}`)
  }
}

const suite = skipReason ? describe.skip : describe

suite('Hetzner Cloud adapter vs the official API description (prism proxy)', () => {
  let fake: FakeHetzner
  let prism: ChildProcess
  let prismUrl = ''
  let log = ''
  let ctx: CloudContext
  const p = createHetznerProvisioner()
  const signal = (): AbortSignal => AbortSignal.timeout(20_000)

  beforeAll(async () => {
    // Primary IPs kept after their server, so the teardown's DELETE /primary_ips/{id} answers 204 here.
    fake = await startFakeHetzner({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, autoDeletePrimaryIps: false })
    const port = await freePort()
    const upstream = fake.url.replace(/\/v1$/, '')
    prism = spawn(PRISM, ['proxy', SPEC_FILE, upstream, '-h', '127.0.0.1', '-p', String(port), '--errors'], { stdio: ['ignore', 'pipe', 'pipe'] })
    prism.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    prism.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    prismUrl = `http://127.0.0.1:${port}`
    await waitForPrism(port, () => log, prism, 90_000)
    ctx = { accountId: 'contract', credentials: { token: fake.token }, endpoint: prismUrl }
  }, 120_000)

  afterAll(async () => {
    if (prism && prism.exitCode === null) {
      const exited = new Promise<void>((resolve) => prism.once('exit', () => resolve()))
      prism.kill('SIGTERM')
      const timer = setTimeout(() => prism.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    await fake?.close()
  })

  /** Prism's log lines for the requests `run` made (Prism logs a little after it answers). */
  async function logged(run: () => Promise<void>): Promise<string> {
    const mark = log.length
    const sent = fake.requests.length
    await run()
    const forwarded = fake.requests.length - sent
    await until(() => (log.slice(mark).match(/Received forward response/g) ?? []).length >= forwarded)
    await new Promise((resolve) => setTimeout(resolve, 200))
    return log.slice(mark).replace(LOWERCASE_RANGE, '')
  }

  it('verify, catalogue, both create modes, status, list and teardown pass with no violation', async () => {
    const output = await logged(async () => {
      const identity = await p.verify(ctx, signal())
      expect(identity.identity).toMatch(/^project-marker:\d+$/)
      await expect(p.verify(ctx, signal())).resolves.toEqual(identity)
      const catalog = await p.catalog(ctx, signal())
      expect(catalog.plans[0]?.id).toBe('cx23')

      const created: StepResult[] = []
      for (const [id, mode] of [['c1', 'tcp'], ['c2', 'https']] as const) {
        const first = await p.provision(ctx, hostSpec(id, mode), start(), undefined, signal())
        expect(first.progress).toBe('firewall-created')
        const second = await p.provision(ctx, hostSpec(id, mode), first.locator, first.progress, signal())
        expect(second.done).toBe(true)
        created.push(second)
      }
      // An arm type on a cold cache: the type and its image are looked up.
      const arm = createHetznerProvisioner()
      const armFirst = await arm.provision(ctx, hostSpec('c3', 'tcp', 'cax11'), start(), undefined, signal())
      const armDone = await arm.provision(ctx, hostSpec('c3', 'tcp', 'cax11'), armFirst.locator, armFirst.progress, signal())
      expect(armDone.done).toBe(true)
      created.push(armDone)
      expect((await p.status(ctx, created[0]!.locator, signal()))?.rawStatus).toBe('initializing')

      fake.advance(ACTIVATE_MS)
      const up = await p.status(ctx, created[1]!.locator, signal())
      expect(up?.state).toBe('active')
      expect(up?.ipv4).toMatch(/^198\.51\.100\./)
      expect(await p.listByTag(ctx, 'account', 'exitdesk', signal())).toHaveLength(3)

      const steps = await Promise.all(created.map((step) => p.delete(ctx, step.locator, undefined, signal())))
      expect(steps.map((step) => step.done)).toEqual([false, false, false])
      fake.advance(DELETE_MS)
      const finish = async (from: { locator: HostLocator; progress?: string }) => {
        let step = await p.delete(ctx, from.locator, from.progress, signal())
        for (let calls = 1; !step.done && calls < 10; calls++) step = await p.delete(ctx, step.locator, step.progress, signal())
        return step
      }
      const finals = await Promise.all(steps.map(finish))
      expect(finals.map((step) => step.done)).toEqual([true, true, true])
      await expect(p.status(ctx, created[0]!.locator, signal())).resolves.toBeNull()
    })
    expect(fake.state.servers.size).toBe(0)
    expect([...fake.state.firewalls.values()].map((firewall) => firewall.name)).toEqual(['exitdesk-project-marker'])
    expect(fake.state.primaryIps.size).toBe(0)
    // Every adapter call went through Prism to the fake, and Prism found nothing to complain about.
    expect(output).toMatch(/Forwarding "post" request to .*\/servers/)
    expect(output).toMatch(/Forwarding "delete" request to .*\/firewalls\//)
    expect(output).toMatch(/Forwarding "delete" request to .*\/primary_ips\//)
    expect(output).not.toMatch(/violation|✖|error/i)
  }, 60_000)

  it('error answers of the fake are Hetzner\'s documented error shape', async () => {
    const output = await logged(async () => {
      const missing = await p.status(ctx, { region: 'hel1', instanceId: '424242', attached: [] }, signal())
      expect(missing).toBeNull()
      await expectDocumentedError(`${prismUrl}/servers/424242`, fake.token, '/servers/{id}', 'get')
      fake.setFailure({ method: 'GET', path: '/servers', status: 429, code: 'rate_limit_exceeded', message: 'limit reached', times: 1 })
      await expectDocumentedError(`${prismUrl}/servers`, fake.token, '/servers', 'get')
      await expectDocumentedError(`${prismUrl}/servers`, 'not-the-token', '/servers', 'get')
      fake.setFailure({ method: 'POST', path: '/servers', status: 422, code: 'invalid_input', message: "invalid input in field 'location'", times: 1 })
      const withFirewall = await p.provision(ctx, hostSpec('c4', 'tcp'), start(), undefined, signal())
      const refused = await p.provision(ctx, hostSpec('c4', 'tcp'), withFirewall.locator, withFirewall.progress, signal()).catch((caught: unknown) => caught)
      expect(refused).toBeInstanceOf(AppError)
      expect((refused as AppError).info.providerMessage).toBe("invalid input in field 'location'")
      const done = await p.delete(ctx, withFirewall.locator, undefined, signal())
      expect(done.done).toBe(true)
    })
    expect(output).not.toMatch(/violation|✖/i)
  }, 30_000)

  it('rejects a request that breaks the description before it reaches the fake (validation is real)', async () => {
    const before = fake.requests.length
    const response = await fetch(`${prismUrl}/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', server_type: 42 }),
    })
    expect(response.status).toBe(422)
    expect(fake.requests.length).toBe(before)
  })

  it('rejects a fake answer that breaks the description (answer validation is real)', async () => {
    fake.setFailure({ path: '/servers/1', status: 200, body: { server: { id: 1, status: 'sleeping' } }, times: 1 })
    const error = await p.status(ctx, { region: 'hel1', instanceId: '1', attached: [] }, signal()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info.code).toBe('provider-unavailable')
    await until(() => /errors#VIOLATIONS/.test(log))
    expect(log).toMatch(/errors#VIOLATIONS/)
  })
})

/** The answer is an error whose body has every field the description's 4xx schema requires, of the right type. */
async function expectDocumentedError(url: string, token: string, pathKey: string, method: string): Promise<void> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  expect(response.status).toBeGreaterThanOrEqual(400)
  const body = (await response.json()) as { error?: Record<string, unknown> }
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: ErrorSchema }> }> }>> }
  const schema = spec.paths[pathKey]![method]!.responses['4xx']!.content['application/json']!.schema
  for (const key of schema.required ?? []) expect(body).toHaveProperty(key)
  const error = schema.properties.error
  for (const key of error.required ?? []) expect(typeof body.error?.[key]).toBe(error.properties[key]!.type)
  expect(body.error?.details === null || typeof body.error?.details === 'object').toBe(true)
}

interface ErrorSchema {
  required?: string[]
  properties: { error: { required?: string[]; properties: Record<string, { type: string }> } }
}

function hostSpec(hostId: string, mode: 'tcp' | 'https', plan = 'cx23'): ProvisionSpec {
  return {
    hostId,
    name: `exit-contract-${hostId}`,
    region: 'hel1',
    plan,
    userData: '#cloud-config\nruncmd:\n  - echo exit\n',
    tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
  }
}

function start(): HostLocator {
  return { region: 'hel1', attached: [] }
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
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
