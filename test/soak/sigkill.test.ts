/**
 * Issue 7, crashes, for every cloud (issues 9 and 10): the app is killed with SIGKILL at chosen
 * points of a create and a teardown, started again on the same data folder, and left to recover;
 * then nothing may be doubled or left behind once its hosts are deleted — no second instance for
 * one host, nothing left in the cloud (instance, firewall or security group, per-host tag,
 * address, disk, NIC, resource group), no row left in the ledger.
 *
 * The app runs in a child process (test/soak/sigkill-child.ts: the real core over a data folder,
 * its credentials in a file that outlives the process, the cloud's adapter named by
 * EXITDESK_CHILD_CLOUD); the cloud's fake and the fault proxy in front of it (test/soak/targets/,
 * no faults here: only the proxy's `intercept`; for Azure the proxy speaks TLS) stay in this
 * process, so the cloud survives the crash. The proxy kills the child at the chosen request,
 * before forwarding it or after the fake carried it out (then the answer is lost with the
 * process). Fake time is this process's clock: the fake runs on it, and the child is told to
 * advance its own in step.
 *
 * Fixed points, per cloud (its module's `killPoints`): a create carried out but its answer lost;
 * an HTTPS create between its firewall/security-group step and its instance step; that firewall
 * made but its answer lost; an instance DELETE accepted but its answer lost; between "instance
 * gone" and the firewall's DELETE (Azure: one resource-group delete instead; Scaleway: between its
 * recorded steps too — server made stopped, cloud-init, power-on; OVHcloud makes only the
 * instance). Then kills at seeded random requests (7 in 10 at one that changes something) while
 * hosts are created and deleted: 20 for DigitalOcean, 6 for every other cloud inside `npm test`.
 *
 *   EXITDESK_SIGKILL_SEED=<n>            seed of the random kills
 *   EXITDESK_SIGKILL_KILLS=<n>           random kills for every cloud (`npm run soak`: 100)
 *   EXITDESK_SIGKILL_CLOUDS=ec2,azure    only these clouds (default: all)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, it, type ExpectStatic } from 'vitest'
import { HOST_TAG_PREFIX } from '../../src/main/hosts/tags'
import { LEDGER_FILE } from '../../src/main/store/ledger'
import type { HostRecord } from '../../src/main/store/records'
import type { Envelope } from '../../src/shared/errors'
import { describeEntry, requestsFor, type FaultProxy, type ProxiedRequest } from '../support/fault-proxy'
import { FakeClock } from '../support/harness'
import { between, mulberry32, seedFrom } from '../support/prng'
import { scratchDir } from './driver'
import type { ChildMessage, ChildRequest } from './sigkill-child'
import { CLOUDS, CLOUD_NAMES } from './targets'
import { hostIdsIn, type CloudFixture, type CloudModule, type KillPoint, type TargetCloud } from './targets/types'

const ROOT = resolve('.')
const CHILD = join(ROOT, 'test', 'soak', 'sigkill-child.ts')
const TICK_MS = 3_000
/** Fake time a restarted app is given after its hosts are gone, for anything late (reclaims, re-deletes). */
const RECOVERY_MS = 240_000
const SEED = seedFrom(process.env.EXITDESK_SIGKILL_SEED, 7_2026)
/** DigitalOcean keeps its 20 random kills; the other clouds get 6 inside `npm test`. */
const randomKills = (cloud: TargetCloud): number => Number(process.env.EXITDESK_SIGKILL_KILLS ?? (cloud === 'digitalocean' ? 20 : 6))
const clouds = (process.env.EXITDESK_SIGKILL_CLOUDS ? process.env.EXITDESK_SIGKILL_CLOUDS.split(',') : CLOUD_NAMES) as TargetCloud[]
for (const cloud of clouds) if (!CLOUD_NAMES.includes(cloud)) throw new Error(`EXITDESK_SIGKILL_CLOUDS: "${cloud}" is none of ${CLOUD_NAMES.join(', ')}`)

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

interface Child {
  pid: number
  call(request: DistributiveOmit<ChildRequest, 'id'>): Promise<unknown>
  exited: Promise<void>
  alive(): boolean
  kill(): Promise<void>
  output(): string
}

function startChild(dataDir: string, clockMs: number, cloud: TargetCloud, extraEnv: Record<string, string>): Promise<Child> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv, EXITDESK_CHILD_DATA_DIR: dataDir, EXITDESK_CHILD_CLOCK: String(clockMs), EXITDESK_CHILD_CLOUD: cloud },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let output = ''
  proc.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  proc.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextId = 1
  let dead = false
  const exited = new Promise<void>((done) =>
    proc.once('exit', () => {
      dead = true
      for (const waiter of pending.values()) waiter.reject(new Error('the app process is gone'))
      pending.clear()
      done()
    }),
  )
  return new Promise<Child>((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`the app process did not start within 30 s:\n${output}`)), 30_000)
    void exited.then(() => failed(new Error(`the app process exited while starting:\n${output}`)))
    proc.on('message', (message: ChildMessage) => {
      if ('ready' in message) {
        clearTimeout(timer)
        ready({
          pid: proc.pid!,
          call(request) {
            if (dead) return Promise.reject(new Error('the app process is gone'))
            const id = nextId++
            return new Promise((resolve, reject) => {
              pending.set(id, { resolve, reject })
              proc.send({ ...request, id } as ChildRequest)
            })
          },
          exited,
          alive: () => !dead,
          async kill() {
            if (!dead) proc.kill('SIGKILL')
            await exited
          },
          output: () => output,
        })
      } else if ('fatal' in message) {
        failed(new Error(`the app process failed: ${message.fatal}\n${output}`))
      } else {
        const waiter = pending.get(message.id)
        pending.delete(message.id)
        if (message.ok) waiter?.resolve(message.result)
        else waiter?.reject(new Error(message.error))
      }
    })
  })
}

/** The cloud's fake and the proxy that kills the app at a chosen request; they outlive every app process. */
class World {
  readonly clock = new FakeClock()
  fixture!: CloudFixture
  proxy!: FaultProxy
  dataDir!: string
  child: Child | undefined
  accountId = ''
  kills: string[] = []
  restarts = 0
  /** Instance ids seen per host, watched at every request and tick: more than one is a duplicate. */
  readonly seen = new Map<string, Set<string>>()
  private armed: { matches: (request: ProxiedRequest) => boolean; countdown: number; when: 'before' | 'after' } | undefined

  constructor(readonly module: CloudModule) {}

  observe(): void {
    for (const instance of this.fixture?.instances() ?? []) {
      if (!instance.host) continue
      const ids = this.seen.get(instance.host) ?? new Set<string>()
      ids.add(instance.id)
      this.seen.set(instance.host, ids)
    }
  }

  async open(): Promise<void> {
    this.fixture = await this.module.start({
      seed: 0,
      clock: this.clock,
      intercept: (request) => {
        this.observe()
        const armed = this.armed
        if (!armed || !armed.matches(request) || --armed.countdown > 0) return undefined
        this.armed = undefined
        return {
          when: armed.when,
          action: async () => {
            this.kills.push(`${armed.when} ${describeEntry({ ...request, status: undefined })}`)
            await this.child?.kill()
          },
        }
      },
    })
    this.proxy = this.fixture.proxy
    this.dataDir = await scratchDir('exitdesk-sigkill-')
  }

  async start(): Promise<void> {
    if (this.child) this.restarts += 1
    this.child = await startChild(this.dataDir, this.clock.now(), this.module.cloud, this.fixture.env)
  }

  /** Kills the app at the n-th request from now that `matches`. */
  arm(matches: (request: ProxiedRequest) => boolean, when: 'before' | 'after', countdown = 1): void {
    this.armed = { matches, when, countdown }
  }

  armAt(point: KillPoint): void {
    this.arm(point.matches, point.when)
  }

  killed(): boolean {
    return !this.child?.alive()
  }

  async dispatch<T>(channel: string, input: unknown): Promise<T> {
    const envelope = (await this.child!.call({ cmd: 'dispatch', channel, input })) as Envelope<T>
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data
  }

  /** Sends a user action and does not wait for it (the app may die under it). */
  fire(channel: string, input: unknown): void {
    void this.child?.call({ cmd: 'dispatch', channel, input }).catch(() => undefined)
  }

  async addAccount(): Promise<void> {
    const account = await this.dispatch<{ id: string }>('accounts:add', { ...this.fixture.account, label: 'Crash test' })
    this.accountId = account.id
  }

  createInput(mode: 'tcp' | 'https', name: string) {
    const tunnel = mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: [`${name}.exitdesk-crash.example`], letsEncryptIssuer: 'staging' } : { mode, inletsVersion: '0.11.14' }
    return { requestId: randomUUID(), accountId: this.accountId, name, region: this.fixture.region, plan: this.fixture.plan, tunnel }
  }

  /** Fake time passes for the cloud and the app, then the app refreshes. False when the app died meanwhile. */
  async tick(): Promise<boolean> {
    this.observe()
    this.clock.advance(TICK_MS)
    try {
      await this.child!.call({ cmd: 'advance', ms: TICK_MS })
      await this.child!.call({ cmd: 'refresh' })
      return true
    } catch {
      return false
    }
  }

  async rows(): Promise<HostRecord[]> {
    try {
      return ((JSON.parse(await readFile(join(this.dataDir, LEDGER_FILE), 'utf8')) as { hosts?: HostRecord[] }).hosts ?? [])
    } catch {
      return []
    }
  }

  /** Ticks until `done` or `maxTicks`; returns whether `done` was reached. */
  async until(done: () => Promise<boolean> | boolean, maxTicks: number): Promise<boolean> {
    for (let i = 0; i < maxTicks; i++) {
      if (await done()) return true
      if (!(await this.tick()) && this.killed()) return done()
    }
    return done()
  }

  /**
   * The user deletes every host of theirs that is up (or shows an error) and waits until the
   * ledger is empty; then RECOVERY_MS more of fake time. Hosts "found in cloud" are left to the
   * app: deleting duplicates is its job, not the user's.
   */
  async teardownAll(maxTicks = 400): Promise<boolean> {
    const asked = new Set<string>()
    const empty = await this.until(async () => {
      const rows = await this.rows()
      for (const row of rows) {
        if (row.phase === 'created' && !row.discovered && !asked.has(row.id) && (row.state === 'active' || row.state === 'error')) {
          asked.add(row.id)
          await this.dispatch('hosts:delete', { by: 'id', hostId: row.id }).catch(() => undefined)
        }
      }
      return rows.length === 0
    }, maxTicks)
    for (let t = 0; t < RECOVERY_MS / TICK_MS; t++) await this.tick()
    return empty
  }

  /** Instances made per host over the whole run. */
  instancesMade(): Map<string, number> {
    this.observe()
    const made = new Map([...this.seen].map(([host, ids]) => [`${HOST_TAG_PREFIX}${host}`, ids.size]))
    // Where the fake's log tells each create, the larger count wins (nothing made and gone unseen).
    for (const [tag, count] of this.fixture.made?.() ?? []) made.set(tag, Math.max(count, made.get(tag) ?? 0))
    return made
  }

  async leftovers(): Promise<string[]> {
    return (await this.fixture.leftovers()).detail
  }

  async close(): Promise<void> {
    if (this.child?.alive()) {
      await Promise.race([this.child.call({ cmd: 'stop' }).catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))])
      await this.child.kill()
    }
    await this.fixture?.close()
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true })
  }
}

/** Prints the run's line and asserts: no duplicate, nothing left in the cloud, no row left. */
async function verdict(expect: ExpectStatic, world: World, label: string, emptied: boolean): Promise<void> {
  const made = world.instancesMade()
  const duplicates = [...made].filter(([, count]) => count > 1)
  const leftovers = await world.leftovers()
  const rows = await world.rows()
  const signatures = world.fixture.signatureRefusals?.()
  const hostIds = new Set([...rows.map((r) => r.id), ...leftovers.flatMap(hostIdsIn), ...duplicates.flatMap(([tag]) => hostIdsIn(tag))])
  const lines = [
    `[sigkill] cloud=${world.module.cloud} ${label} | seed=${SEED} | kills=${world.kills.length} restarts=${world.restarts} | instances made=${[...made.values()].reduce((a, b) => a + b, 0)} for ${made.size} host(s), duplicates=${duplicates.length} | leftovers=${leftovers.length ? leftovers.join('; ') : 'none'} | rows left=${rows.length}${rows.length ? ` {${rows.map((r) => `${r.phase}/${r.state}${r.discovered ? ' found-in-cloud' : ''}${r.lastError ? ` "${r.lastError}"` : ''}`).join('; ')}}` : ''} | requests=${world.proxy.stats.requests}${signatures ? ` (signatures refused: ${signatures.altered} altered on the way, ${signatures.stale} stale)` : ''} fake time=${Math.round((world.clock.now() - new FakeClock().now()) / 1000)}s`,
    ...world.kills.map((kill) => `  [sigkill ${label}] killed ${kill}`),
    ...[...hostIds].map((id) => `  [sigkill ${label}] host ${id.slice(0, 8)}: ${requestsFor(world.proxy.log, id).map(describeEntry).join(' · ')}`),
  ]
  console.log(lines.join('\n'))
  expect.soft(world.kills.length, 'the app was killed at the chosen request').toBeGreaterThan(0)
  expect.soft(duplicates, 'instances made twice for one host').toEqual([])
  expect.soft(leftovers, 'left in the cloud after teardown').toEqual([])
  expect.soft(rows.map((r) => `${r.phase}/${r.state}`), 'rows left in the ledger').toEqual([])
  expect.soft(emptied, 'the ledger emptied after the user deleted the hosts').toBe(true)
  if (signatures) expect.soft(signatures.altered, 'signed requests the proxy altered on the way (the fake refused their signature)').toBe(0)
}

for (const cloud of clouds) {
  const module = CLOUDS[cloud]
  const kills = randomKills(cloud)
  describe.concurrent(`SIGKILL during create and teardown (${cloud} fake)`, () => {
    for (const point of module.killPoints) {
      it(`${cloud}: ${point.name}: restarted, recovered, torn down — no duplicate, nothing left`, { timeout: 120_000 }, async ({ expect }) => {
        const world = new World(module)
        try {
          await world.open()
          await world.start()
          await world.addAccount()
          const input = world.createInput(point.mode, 'exit-crash-1')
          if (point.phase === 'create') {
            world.armAt(point)
            world.fire('hosts:create', input)
          } else {
            await world.dispatch('hosts:create', input)
            const up = await world.until(async () => (await world.rows()).some((r) => r.phase === 'created' && r.state === 'active'), 40)
            expect(up, 'the host came up before the teardown').toBe(true)
            world.armAt(point)
            world.fire('hosts:delete', { by: 'id', hostId: (await world.rows())[0]!.id })
          }
          await world.until(() => world.killed(), 60)
          expect(world.killed(), `the app reached the kill point (${point.when} ${point.name}) and was killed`).toBe(true)
          await world.start()
          const emptied = await world.teardownAll()
          await verdict(expect, world, point.name, emptied)
        } finally {
          await world.close()
        }
      })
    }

    it(`${cloud}: ${kills} SIGKILLs at seeded random requests while hosts are created and deleted (seed ${SEED})`, { timeout: 90_000 + kills * 8_000 }, async ({ expect }) => {
      const random = mulberry32(SEED)
      const world = new World(module)
      try {
        await world.open()
        await world.start()
        await world.addAccount()
        let made = 0
        while (world.kills.length < kills) {
          // The n-th request from now is the last, before it is forwarded or after the fake acted:
          // mostly one that changes something, else any (lists and reads dominate).
          const changing = random() < 0.7
          world.arm(changing ? module.changes : () => true, random() < 0.5 ? 'before' : 'after', between(random, 1, changing ? 4 : 25))
          const killed = await world.until(async () => {
            if (world.killed()) return true
            const rows = (await world.rows()).filter((r) => !r.discovered)
            if (rows.length < 2 && random() < 0.6) world.fire('hosts:create', world.createInput(random() < 0.5 ? 'https' : 'tcp', `exit-crash-${++made}`))
            for (const row of rows) {
              if (row.phase === 'created' && (row.state === 'active' || row.state === 'error') && random() < 0.5) world.fire('hosts:delete', { by: 'id', hostId: row.id })
            }
            return false
          }, 200)
          expect(killed, `kill ${world.kills.length + 1} happened`).toBe(true)
          await world.start()
        }
        const emptied = await world.teardownAll(600)
        await verdict(expect, world, `${kills} random kills`, emptied)
      } finally {
        await world.close()
      }
    })
  })
}
