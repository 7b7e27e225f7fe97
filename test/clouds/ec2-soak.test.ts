/**
 * A small seeded fault soak of the EC2 adapter inside the real host service: hosts are created
 * and deleted while a seeded share of the EC2 and SSM requests fail in AWS's ways (5xx before or
 * after the call was carried out, RequestLimitExceeded, connections reset before or after, cut-off
 * bodies, captive-portal pages, answers held past the deadline). It ends with 0 duplicates (one
 * instance ever per host), 0 leftovers (no instance, no security group) and 0 stuck rows.
 *
 *   EXITDESK_EC2_SOAK_SEED=<n> EXITDESK_EC2_SOAK_HOSTS=<n> npx vitest run test/clouds/ec2-soak.test.ts
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createEc2Provisioner } from '../../src/main/clouds/ec2'
import { clearImageCache } from '../../src/main/clouds/ec2/images'
import { startFakeEc2, type FakeEc2 } from '../fakes/ec2'
import { ec2ModelMissing } from '../fakes/ec2-model'
import { FakeClock, makeHostService } from '../support/harness'
import { mulberry32, seedFrom } from '../support/prng'

const SEED = seedFrom(process.env.EXITDESK_EC2_SOAK_SEED, 20261207)
const HOSTS = Number(process.env.EXITDESK_EC2_SOAK_HOSTS ?? 8)
/** Short, so a held answer times out quickly in real time; long enough that a busy machine answers the rest. */
const TIMEOUT_MS = 1_000

let fake: FakeEc2 | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

describe('EC2 fault soak through the host service', () => {
  it(`seed ${SEED}, ${HOSTS} hosts: 0 duplicates, 0 leftovers, 0 stuck rows`, async () => {
    clearImageCache()
    const clock = new FakeClock()
    fake = await startFakeEc2({ runAfterMs: 2_000, terminateAfterMs: 2_000, releaseAfterMs: 1_000, clock })
    const f = fake
    const service = await makeHostService({ clock, provisioners: [createEc2Provisioner({ timeoutMs: TIMEOUT_MS })] })
    const account = await service.accounts.add({ cloud: 'ec2', label: 'Soak', endpoint: f.url, credentials: { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey } })
    const pass = async (ms: number): Promise<void> => {
      clock.advance(ms)
      await service.hosts.refresh()
    }
    f.setChaos({ rate: 0.25, random: mulberry32(SEED), holdMs: TIMEOUT_MS + 150 })

    const refused: string[] = []
    for (let n = 0; n < HOSTS; n++) {
      const mode = n % 2 === 0 ? 'tcp' : 'https'
      await service.hosts
        .create({
          requestId: randomUUID(),
          accountId: account.id,
          name: `exit-soak-${n}`,
          region: n % 3 === 0 ? 'eu-west-1' : 'us-east-1',
          plan: n % 4 === 3 ? 't3a.nano' : 't4g.nano',
          tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? [`soak-${n}.exitdesk-owner.dev`] : [], letsEncryptIssuer: 'staging' },
        })
        .catch((error: unknown) => refused.push(String(error)))
      await pass(1_000)
    }
    const active = (): number => service.hosts.snapshot().hosts.filter((host) => host.state === 'active' && !host.busy).length
    // A failed list backs the account off (hosts/backoff.ts, doubling up to minutes), so the rows
    // may lag the cloud for a while under faults; the cloud turns calm after a simulated 10 minutes.
    for (let i = 0; i < 200 && active() < HOSTS - refused.length; i++) {
      if (i === 120) f.setChaos(undefined)
      await pass(5_000)
    }
    expect(active()).toBe(HOSTS - refused.length)
    f.setChaos({ rate: 0.25, random: mulberry32(SEED + 1), holdMs: TIMEOUT_MS + 150 })

    for (const host of service.hosts.snapshot().hosts) await service.hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
    for (let i = 0; i < 240 && service.hosts.snapshot().hosts.length > 0; i++) {
      // Chaos past the late-create window, then a calm cloud for the last steps.
      if (i === 120) f.setChaos(undefined)
      await pass(5_000)
    }

    const perHost = new Map<string, number>()
    for (const instance of f.state.instances.values()) {
      const tag = [...instance.tags.keys()].find((key) => key.startsWith('exitdesk-host-'))!
      perHost.set(tag, (perHost.get(tag) ?? 0) + 1)
    }
    const duplicates = [...perHost.values()].filter((count) => count > 1).length
    console.log(`[ec2 soak] seed ${SEED}: ${HOSTS} hosts, ${f.requests.length} requests, faults ${JSON.stringify(f.chaosCounts)}, refused creates ${refused.length}, duplicates ${duplicates}, leftovers ${f.liveInstances().length + f.state.groups.size}, stuck rows ${service.hosts.snapshot().hosts.length}`)
    expect(Object.values(f.chaosCounts).reduce((sum, n) => sum + (n ?? 0), 0)).toBeGreaterThan(10)
    expect(duplicates).toBe(0)
    expect(f.liveInstances()).toEqual([])
    expect(f.state.groups.size).toBe(0)
    expect(service.hosts.snapshot().hosts).toEqual([])
    if (!ec2ModelMissing()) expect(f.violations).toEqual([])
  }, 120_000)
})
