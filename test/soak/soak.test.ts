/**
 * Issue 7: nothing doubled, nothing left behind, nothing silently lost — under faults, crashes
 * and rate limits. For DigitalOcean (adapter -> fault proxy -> stateful fake, over HTTP) and the
 * simulated cloud (faulty provisioner), create -> delete cycles in 4 parallel lanes, TCP and
 * HTTPS mixed, with a seeded share of the cloud calls failing; then a fault-free recovery period
 * (330 s of fake time) and the count:
 *
 *   - no instance left over from a duplicate, and few duplicates made at all (a duplicate is a
 *     second instance made for one host, counted by its per-host tag);
 *   - nothing left in the cloud: no droplet/instance, no firewall, no per-host tag (the shared
 *     "exitdesk" app tag may stay: it is free and carries nothing once every droplet is gone);
 *   - no row left in the ledger;
 *   - no unhandled rejection;
 *   - every create or delete the user saw fail says why in a plain sentence.
 *
 * Each run prints one line with its figures and seed. Inside `npm test` the counts are small
 * (200 cycles at 10 %, 100 at 30 %); `npm run soak` runs the same with larger ones:
 *
 *   EXITDESK_SOAK_RUNS="0.1x2000,0.3x1000"   rate x cycles, comma-separated
 *   EXITDESK_SOAK_SEED=12345                   base seed (each run adds its index)
 *   EXITDESK_SOAK_CLOUDS=digitalocean          only these clouds
 *   EXITDESK_SOAK_LANES=4
 *   EXITDESK_SOAK_PROGRESS=500                 a progress line every 500 ticks
 *   EXITDESK_SOAK_DEBUG=1                      every lane and ledger row at every tick
 *
 * After each run, every host something was left behind for (or whose row stayed) gets a line
 * with what the cloud was asked about it, in order, and which faults were injected there.
 */
import { describe, it, type ExpectStatic } from 'vitest'
import { seedFrom } from '../support/prng'
import { digitalOceanTarget, reportLine, runSoak, simulatorTarget, type SoakCloud, type SoakReport } from './driver'

const DEFAULT_RUNS = '0.1x200,0.3x100'
const runs = (process.env.EXITDESK_SOAK_RUNS ?? DEFAULT_RUNS).split(',').map((run, index) => {
  const [rate, cycles] = run.split('x').map(Number)
  if (!(rate! >= 0 && rate! <= 1) || !Number.isInteger(cycles) || cycles! <= 0) throw new Error(`EXITDESK_SOAK_RUNS: "${run}" is not rate x cycles, e.g. 0.1x200`)
  return { rate: rate!, cycles: cycles!, index }
})
const BASE_SEED = seedFrom(process.env.EXITDESK_SOAK_SEED, 20_261_125)
const LANES = Number(process.env.EXITDESK_SOAK_LANES ?? 4)
const clouds = (process.env.EXITDESK_SOAK_CLOUDS ?? 'digitalocean,simulator').split(',') as SoakCloud[]

/** Few duplicates at all: the late-processing window should catch nearly every late create. */
const duplicateBudget = (cycles: number): number => Math.max(2, Math.ceil(cycles * 0.02))

function check(expect: ExpectStatic, report: SoakReport, cycles: number): void {
  expect.soft(report.unhandledRejections, 'unhandled rejections').toEqual([])
  expect.soft(report.duplicatesLeft, 'instances left over from duplicates').toBe(0)
  expect.soft(report.leftovers, 'resources left in the cloud').toMatchObject({ instances: 0, firewalls: 0, tags: 0 })
  expect.soft(report.stuckRows, 'rows left in the ledger').toEqual([])
  expect.soft(report.lanesStuck, 'deleted hosts not gone within an hour of fake time').toBe(0)
  expect.soft(report.cyclesCompleted + report.lanesStuck, 'create -> delete cycles run').toBe(cycles)
  expect.soft(report.failedActions.filter((failure) => failure.problem), 'failed user actions without a plain sentence').toEqual([])
  expect.soft(report.duplicatesMade, `duplicates made (at most ${duplicateBudget(cycles)})`).toBeLessThanOrEqual(duplicateBudget(cycles))
  expect.soft(report.firewallDuplicatesMade, 'firewalls made twice for one host').toBeLessThanOrEqual(duplicateBudget(cycles))
  expect.soft(report.latePending, 'late requests that never landed').toBe(0)
  expect.soft(report.providerRateLimited, "429s the fake answered because the app went over DigitalOcean's documented limits").toBe(0)
  // hosts:create answers within about a second whatever the cloud does (2 s: a loaded 2-core machine).
  expect.soft(report.createMs.max, 'slowest hosts:create, ms').toBeLessThan(2_000)
}

// The runs go side by side: a DigitalOcean run spends most of its real time waiting out the
// adapter's deadline on the delayed and late faults, so together they take little more than the
// longest. (Unhandled rejections are counted process-wide while a run goes.)
describe.concurrent('soak', () => {
  for (const cloud of clouds) {
    for (const run of runs) {
      const seed = (BASE_SEED + run.index + (cloud === 'simulator' ? 1_000 : 0)) >>> 0
      const timeout = 90_000 + run.cycles * (cloud === 'digitalocean' ? 400 : 100) * (1 + run.rate * 4)
      it(`${cloud}: ${run.cycles} create -> delete cycles at ${Math.round(run.rate * 100)} % faults, ${LANES} lanes (seed ${seed})`, { timeout }, async ({ expect }) => {
        const target = cloud === 'digitalocean' ? await digitalOceanTarget({ seed }) : await simulatorTarget({ seed })
        try {
          const report = await runSoak(target, { seed, rate: run.rate, cycles: run.cycles, lanes: LANES })
          console.log([reportLine(report), ...report.leftoverHistories.map((line) => `  [soak ${cloud} ${Math.round(run.rate * 100)}%] left behind or stuck: ${line}`)].join('\n'))
          check(expect, report, run.cycles)
        } finally {
          await target.close()
        }
      })
    }
  }
})
