/**
 * Issue 7: nothing doubled, nothing left behind, nothing silently lost — under faults, crashes
 * and rate limits. For every cloud (issues 9 and 10: adapter -> fault proxy speaking that
 * provider's error shapes -> stateful fake, one module per cloud in test/soak/targets/; Azure
 * through the proxy over TLS) and the simulated cloud (faulty provisioner), create -> delete
 * cycles in 4 parallel lanes, TCP and HTTPS mixed, with a seeded share of the cloud calls
 * failing; then a fault-free recovery period (330 s of fake time) and the count:
 *
 *   - no instance left over from a duplicate, and few duplicates made at all (a duplicate is a
 *     second instance made for one host, counted by its per-host tag);
 *   - nothing left in the cloud: no droplet/instance, no firewall or security group, no per-host
 *     tag, no address, disk, NIC or resource group (the shared "exitdesk" app tag may stay: it is
 *     free and carries nothing once every droplet is gone);
 *   - no row left in the ledger;
 *   - no unhandled rejection;
 *   - every create or delete the user saw fail says why in a plain sentence.
 *
 * Each run prints one line with its figures and seed. Inside `npm test` the counts are small
 * (DigitalOcean and the simulated cloud: 200 cycles at 10 %, 100 at 30 %; every other cloud: 60
 * and 30); `npm run soak` runs the same with larger ones for every cloud:
 *
 *   EXITDESK_SOAK_RUNS="0.1x2000,0.3x1000"   rate x cycles, comma-separated, for every cloud
 *   EXITDESK_SOAK_SEED=12345                   base seed (each run adds its index and the cloud's offset)
 *   EXITDESK_SOAK_CLOUDS=digitalocean,ec2      only these clouds (default: all)
 *   EXITDESK_SOAK_PARALLEL=4                   runs at the same time (the others wait their turn)
 *   EXITDESK_SOAK_LANES=4
 *   EXITDESK_SOAK_PROGRESS=500                 a progress line every 500 ticks
 *   EXITDESK_SOAK_DEBUG=1                      every lane and ledger row at every tick
 *
 * After each run, every host something was left behind for (or whose row stayed) gets a line
 * with what the cloud was asked about it, in order, and which faults were injected there.
 * Runs that fail today for a reason outside the tests are skipped, with the reason printed (KNOWN_FAILURES).
 */
import { describe, it, type ExpectStatic } from 'vitest'
import { seedFrom } from '../support/prng'
import { cloudTarget, digitalOceanTarget, reportLine, runSoak, simulatorTarget, type SoakCloud, type SoakReport, type SoakTarget } from './driver'
import { CLOUDS, CLOUD_NAMES } from './targets'

/** DigitalOcean and the simulated cloud keep their counts; the other clouds run fewer inside `npm test` (2 cores). */
const DEFAULT_RUNS: Partial<Record<SoakCloud, string>> = { digitalocean: '0.1x200,0.3x100', simulator: '0.1x200,0.3x100' }
const OTHER_RUNS = '0.1x60,0.3x30'
const runsFor = (cloud: SoakCloud) =>
  (process.env.EXITDESK_SOAK_RUNS ?? DEFAULT_RUNS[cloud] ?? OTHER_RUNS).split(',').map((run, index) => {
    const [rate, cycles] = run.split('x').map(Number)
    if (!(rate! >= 0 && rate! <= 1) || !Number.isInteger(cycles) || cycles! <= 0) throw new Error(`EXITDESK_SOAK_RUNS: "${run}" is not rate x cycles, e.g. 0.1x200`)
    return { rate: rate!, cycles: cycles!, index }
  })
const BASE_SEED = seedFrom(process.env.EXITDESK_SOAK_SEED, 20_261_125)
const LANES = Number(process.env.EXITDESK_SOAK_LANES ?? 4)
// DigitalOcean and the simulated cloud first: they start at once, as they always did.
const ALL: SoakCloud[] = ['digitalocean', 'simulator', ...CLOUD_NAMES.filter((cloud) => cloud !== 'digitalocean')]
const clouds = (process.env.EXITDESK_SOAK_CLOUDS ? process.env.EXITDESK_SOAK_CLOUDS.split(',') : ALL) as SoakCloud[]
for (const cloud of clouds) if (!ALL.includes(cloud)) throw new Error(`EXITDESK_SOAK_CLOUDS: "${cloud}" is none of ${ALL.join(', ')}`)
/** Each cloud's seeds apart from the others' (DigitalOcean keeps the base seed, the simulated cloud +1000 as before). */
const SEED_OFFSET: Record<SoakCloud, number> = { digitalocean: 0, simulator: 1_000, ec2: 2_000, gce: 3_000, azure: 4_000, hetzner: 5_000, linode: 6_000, vultr: 7_000, scaleway: 8_000, ovh: 9_000, civo: 10_000 }

/**
 * At most this many runs at once (EXITDESK_SOAK_PARALLEL): a run spends most of its real time
 * waiting out the adapter's deadline on held and late faults, so a few side by side cost little
 * more than one; many more would starve each other of the 2 cores, and the adapter's short
 * deadline would then fire on answers that were merely slow.
 */
const PARALLEL = Number(process.env.EXITDESK_SOAK_PARALLEL ?? 4)
let running = 0
const queue: Array<() => void> = []
async function slot(): Promise<() => void> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => queue.push(resolve))
  running += 1
  return () => {
    running -= 1
    queue.shift()?.()
  }
}
/** Real time a run may wait for its slot (all the runs before it), on top of its own timeout. */
const QUEUE_MS = 30 * 60_000

/**
 * Runs that fail today, most of the time, for a reason outside the tests: skipped with the reason
 * printed, and named in the open issue's note. When the reason is gone, the entry goes.
 */
const KNOWN_FAILURES: Array<{ cloud: SoakCloud; seed?: number; reason: string }> = [
]
const knownFailure = (cloud: SoakCloud, seed: number): string | undefined => KNOWN_FAILURES.find((known) => known.cloud === cloud && (known.seed === undefined || known.seed === seed))?.reason

function targetFor(cloud: SoakCloud, seed: number): Promise<SoakTarget> {
  if (cloud === 'digitalocean') return digitalOceanTarget({ seed })
  if (cloud === 'simulator') return simulatorTarget({ seed })
  return cloudTarget(CLOUDS[cloud], { seed })
}

/** Few duplicates at all: the late-processing window should catch nearly every late create. */
const duplicateBudget = (cycles: number): number => Math.max(2, Math.ceil(cycles * 0.02))

function check(expect: ExpectStatic, report: SoakReport, cycles: number): void {
  expect.soft(report.unhandledRejections, 'unhandled rejections').toEqual([])
  expect.soft(report.duplicatesLeft, 'instances left over from duplicates').toBe(0)
  expect.soft(report.leftovers, 'resources left in the cloud').toMatchObject({ instances: 0, firewalls: 0, tags: 0, others: 0 })
  expect.soft(report.stuckRows, 'rows left in the ledger').toEqual([])
  expect.soft(report.lanesStuck, 'deleted hosts not gone within an hour of fake time').toBe(0)
  expect.soft(report.cyclesCompleted + report.lanesStuck, 'create -> delete cycles run').toBe(cycles)
  expect.soft(report.failedActions.filter((failure) => failure.problem), 'failed user actions without a plain sentence').toEqual([])
  expect.soft(report.duplicatesMade, `duplicates made (at most ${duplicateBudget(cycles)})`).toBeLessThanOrEqual(duplicateBudget(cycles))
  expect.soft(report.firewallDuplicatesMade, 'firewalls made twice for one host').toBeLessThanOrEqual(duplicateBudget(cycles))
  expect.soft(report.latePending, 'late requests that never landed').toBe(0)
  expect.soft(report.providerRateLimited, "429s the fake answered because the app went over the provider's documented limits").toBe(0)
  if (report.signatureRefusals) expect.soft(report.signatureRefusals.altered, 'signed requests the proxy altered on the way (the fake refused their signature)').toBe(0)
  // A run whose faults never fired would prove nothing.
  if (report.rate > 0) expect.soft(Object.values(report.faults).reduce((sum, count) => sum + count, 0), 'faults injected').toBeGreaterThan(0)
  // hosts:create answers within about a second whatever the cloud does (2 s: a loaded 2-core machine).
  expect.soft(report.createMs.max, 'slowest hosts:create, ms').toBeLessThan(2_000)
}

// The runs go side by side: a DigitalOcean run spends most of its real time waiting out the
// adapter's deadline on the delayed and late faults, so together they take little more than the
// longest. (Unhandled rejections are counted process-wide while a run goes.)
describe.concurrent('soak', () => {
  for (const cloud of clouds) {
    for (const run of runsFor(cloud)) {
      const seed = (BASE_SEED + run.index + SEED_OFFSET[cloud]) >>> 0
      const timeout = 90_000 + run.cycles * (cloud === 'simulator' ? 100 : cloud === 'digitalocean' ? 400 : 1_000) * (1 + run.rate * 4)
      const known = knownFailure(cloud, seed)
      // Skipped, not it.fails: a run that fails most of the time but not always would make CI
      // flaky either way. The reason is printed, and stays a note on the open issue.
      if (known) console.log(`[soak ${cloud}] ${Math.round(run.rate * 100)} % run skipped (seed ${seed}): ${known}`)
      const test = known ? it.skip : it
      test(`${cloud}: ${run.cycles} create -> delete cycles at ${Math.round(run.rate * 100)} % faults, ${LANES} lanes (seed ${seed})`, { timeout: timeout + QUEUE_MS }, async ({ expect }) => {
        const release = await slot()
        const target = await targetFor(cloud, seed).catch((error: unknown) => {
          release()
          throw error
        })
        try {
          const report = await runSoak(target, { seed, rate: run.rate, cycles: run.cycles, lanes: LANES })
          if (known) console.log(`[soak ${cloud}] expected to fail: ${known}`)
          console.log([reportLine(report), ...report.leftoverHistories.map((line) => `  [soak ${cloud} ${Math.round(run.rate * 100)}%] left behind or stuck: ${line}`)].join('\n'))
          check(expect, report, run.cycles)
        } finally {
          await target.close()
          release()
        }
      })
    }
  }
})
