/**
 * The EC2 adapter inside the real host service, under AWS's faults: a create whose answer is
 * lost, a duplicate instance carrying the host's tag, throttling during teardown. The service
 * and the fake share one fake clock, so nothing sleeps. Every case ends with nothing left in the
 * fake: no instance, no security group.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEc2Provisioner } from '../../src/main/clouds/ec2'
import { clearImageCache } from '../../src/main/clouds/ec2/images'
import { LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { startFakeEc2, type FakeEc2 } from '../fakes/ec2'
import { ec2ModelMissing } from '../fakes/ec2-model'
import { serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

let fake: FakeEc2 | undefined
beforeEach(() => clearImageCache())
afterEach(async () => {
  if (fake && !ec2ModelMissing()) expect(fake.violations).toEqual([])
  await fake?.close()
  fake = undefined
})

/** Short, so a held answer times out quickly in real time; long enough that a busy machine answers the rest. */
const TIMEOUT_MS = 1_000

async function setup() {
  const clock = new FakeClock()
  fake = await startFakeEc2({ runAfterMs: 1_000, terminateAfterMs: 1_000, clock })
  const f = fake
  const service = await serviceOnFake({
    clock,
    provisioner: createEc2Provisioner({ timeoutMs: TIMEOUT_MS }),
    account: { cloud: 'ec2', label: 'Faults', endpoint: f.url, credentials: { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey } },
    host: { region: 'us-east-1', plan: 't4g.nano' },
  })
  /** Deletes every row and passes time until the table is empty (or gives up). */
  const deleteAll = async (): Promise<void> => {
    for (const host of service.hosts.snapshot().hosts) await service.hosts.delete({ by: 'id', hostId: host.id })
    // A host whose create had an unknown outcome stays until the late-create window has passed.
    for (let i = 0; i < 60 && service.hosts.snapshot().hosts.length > 0; i++) await service.pass(5_000)
  }
  return { ...service, fake: f, deleteAll }
}

const count = (f: FakeEc2, action: string): number => f.requests.filter((request) => request.action === action).length

describe('EC2 under faults, through the host service', () => {
  it('RunInstances carried out but its answer lost (500): looked up by the host tag, adopted, never sent twice blind', async () => {
    const { hosts, fake: f, pass, create, deleteAll } = await setup()
    f.setFailure({ action: 'RunInstances', afterEffect: true, code: 'InternalError', times: 1 })
    const host = await create('exit-lost')
    expect(f.state.instances.size).toBe(1)
    expect(host.locator.instanceId).toBeUndefined()
    for (let i = 0; i < 4 && !hosts.snapshot().hosts[0]!.locator.instanceId; i++) await pass(10_000)
    const [row] = hosts.snapshot().hosts
    expect(row!.locator.instanceId).toBe([...f.state.instances.keys()][0])
    expect(count(f, 'RunInstances')).toBe(1)
    await pass(2_000)
    expect(hosts.snapshot().hosts[0]!.state).toBe('active')
    await deleteAll()
    expect(hosts.snapshot().hosts).toEqual([])
    expect(f.liveInstances()).toEqual([])
    expect(f.state.groups.size).toBe(0)
  })

  it('RunInstances timing out while EC2 makes the instance: one instance, then a clean teardown', async () => {
    const { hosts, fake: f, pass, create, deleteAll } = await setup()
    f.setFailure({ action: 'RunInstances', afterEffect: true, delayMs: TIMEOUT_MS * 3, code: 'InternalError', times: 1 })
    await create('exit-slow', 'https')
    await pass(LATE_CREATE_WINDOW_MS + 1_000)
    await pass(2_000)
    expect(f.state.instances.size).toBe(1)
    expect(hosts.snapshot().hosts).toHaveLength(1)
    expect(hosts.snapshot().hosts[0]!.locator.instanceId).toBeDefined()
    await deleteAll()
    expect(f.liveInstances()).toEqual([])
    expect(f.state.groups.size).toBe(0)
  })

  it('a duplicate instance carrying the host tag is removed on its own; the HTTPS host keeps its security group until its own teardown', async () => {
    const { hosts, fake: f, pass, create, deleteAll } = await setup()
    const host = await create('exit-pair', 'https')
    await pass(2_000)
    const own = hosts.snapshot().hosts[0]!.locator
    const groupId = own.attached.find((resource) => resource.kind === 'security-group')!.id
    // What a create carried out very late would leave: a second instance with the host's tags and group.
    const duplicate = f.seedInstance({ region: 'us-east-1', tags: new Map([['Name', 'exit-pair'], ['exitdesk', ''], [`exitdesk-host-${host.id}`, '']]), groupIds: [groupId] })
    await pass(1_000)
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 1; i++) await pass(2_000)
    expect(hosts.snapshot().hosts.map((row) => row.id)).toEqual([host.id])
    expect(f.state.instances.get(duplicate.id)!.state).toBe('terminated')
    expect(f.state.groups.has(groupId)).toBe(true)
    await deleteAll()
    expect(f.liveInstances()).toEqual([])
    expect(f.state.groups.size).toBe(0)
  })

  it('throttling (RequestLimitExceeded) during teardown: the step is tried again later and nothing is left', async () => {
    const { hosts, fake: f, pass, create, deleteAll } = await setup()
    await create('exit-throttled')
    await pass(2_000)
    f.setFailure({ action: 'TerminateInstances', code: 'RequestLimitExceeded', message: 'Request limit exceeded.', times: 2 })
    const row = await hosts.delete({ by: 'id', hostId: hosts.snapshot().hosts[0]!.id })
    expect(row.lastError).toMatch(/limiting how fast|slow down/)
    await deleteAll()
    expect(hosts.snapshot().hosts).toEqual([])
    expect(f.liveInstances()).toEqual([])
    expect(f.state.groups.size).toBe(0)
  })
})
