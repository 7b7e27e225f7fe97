/**
 * Issue 7 against the DigitalOcean fake, one fault at a time: answers that are not
 * DigitalOcean's, deletes it did not carry out, creates carried out late (duplicates), and the
 * teardown of a duplicate next to its live host in both orders. The host service runs on a fake
 * clock; the fake's time is moved with it.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createDigitalOceanProvisioner } from '../../src/main/clouds/digitalocean'
import { DELETE_GRACE_MS, LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { AppError } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean, type FakeDigitalOceanOptions } from '../fakes/digitalocean'
import { closeAfterEach, serviceOnFake } from '../support/cloud-service'
import { makeHostService } from '../support/harness'

const closeLater = closeAfterEach()

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400

async function setup(options: FakeDigitalOceanOptions = {}) {
  const f = closeLater(await startFakeDigitalOcean({ activateAfterMs: 1_000, deleteAfterMs: 1_000, ...options }))
  const service = await serviceOnFake({
    provisioner: createDigitalOceanProvisioner({ timeoutMs: TIMEOUT_MS }),
    account: { cloud: 'digitalocean', label: 'Faults', endpoint: f.url, credentials: { token: f.token } },
    host: { region: 'lon1', plan: 's-1vcpu-512mb-10gb' },
    advance: (ms) => f.advance(ms),
  })
  return { ...service, fake: f }
}

/** What DigitalOcean does when it carries out a create Exitdesk stopped waiting for: a droplet with the host's tags. */
async function lateDroplet(f: FakeDigitalOcean, name: string, hostId: string): Promise<number> {
  const response = await fetch(`${f.url}/v2/droplets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, region: 'lon1', size: 's-1vcpu-512mb-10gb', image: 'ubuntu-24-04-x64', tags: ['exitdesk', `exitdesk-host-${hostId}`] }),
  })
  const body = (await response.json()) as { droplet: { id: number } }
  return body.droplet.id
}

const posts = (f: FakeDigitalOcean, path: string): number => f.requests.filter((r) => r.method === 'POST' && r.path === path).length
const deletes = (f: FakeDigitalOcean, path: RegExp): number => f.requests.filter((r) => r.method === 'DELETE' && path.test(r.path)).length
const hostTags = (f: FakeDigitalOcean): string[] => [...f.state.tags].filter((tag) => tag.startsWith('exitdesk-host-'))

describe('DigitalOcean under faults: answers that are not DigitalOcean\'s', () => {
  it('a DELETE answered "200 text/html" (a captive portal) is not taken as done: the delete is sent again and the droplet goes', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-portal')
    await pass(2_000)
    f.setFailure({ method: 'DELETE', path: /^\/v2\/droplets\//, status: 200, html: true, times: 1 })
    const deleting = await hosts.delete({ by: 'id', hostId: host.id })
    expect(deleting.state).toBe('deleting')
    expect(deleting.lastError).toContain('DigitalOcean answered with something Exitdesk does not understand.')
    expect(deleting.lastError).toContain('HTTP 200 where the API answers 204')
    expect(deleting.lastError).not.toContain('The provider said')
    expect(f.state.droplets.size).toBe(1)
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(5_000)
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(2)
    expect(f.state.droplets.size).toBe(0)
    expect(hosts.snapshot().hosts).toEqual([])
  })

  it('a 2xx with JSON labelled text/html, or a truncated JSON body, on a create is an unknown outcome: looked up, never re-sent blind', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/droplets', status: 202, headers: { 'content-type': 'text/html' }, body: { droplet: { id: 1 } }, times: 1 })
    const host = await create('exit-mislabelled')
    expect(host.state).toBe('provisioning')
    expect(host.rawStatus).toBe('checking whether DigitalOcean made it')
    for (let i = 0; i < 5; i++) await pass(15_000)
    expect(posts(f, '/v2/droplets')).toBe(1) // inside the late-processing window: looked up only
    expect(hosts.snapshot().hosts[0]).toMatchObject({ state: 'provisioning', rawStatus: 'checking whether DigitalOcean made it' })
    await pass(LATE_CREATE_WINDOW_MS)
    await pass(2_000)
    expect(posts(f, '/v2/droplets')).toBe(2)
    expect(f.state.droplets.size).toBe(1)
  })
})

describe('DigitalOcean under faults: a delete DigitalOcean did not carry out', () => {
  it('a clean 204 that left the droplet in place is sent again after the grace period, with the grace doubling, and the row says so', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-ignored')
    await pass(2_000)
    f.setFailure({ method: 'DELETE', path: /^\/v2\/droplets\//, ignore: true, times: 2 })
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(DELETE_GRACE_MS / 2)
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(1)
    expect(hosts.snapshot().hosts[0]?.rawStatus).toBe('waiting for the droplet to disappear')
    await pass(DELETE_GRACE_MS / 2 + 1_000)
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(2)
    expect(hosts.snapshot().hosts[0]?.notice).toMatch(/still had the instance 60 s after accepting its delete, so Exitdesk sent the delete again \(2nd time\)/)
    await pass(DELETE_GRACE_MS + 1_000)
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(2) // the grace doubled
    await pass(DELETE_GRACE_MS)
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(3)
    await pass(2_000)
    await pass(2_000)
    expect(f.state.droplets.size).toBe(0)
    expect(hosts.snapshot().hosts).toEqual([])
  })

  it('the user can retry a stuck teardown at once: the delete is sent again without waiting for the back-off', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-stuck')
    await pass(2_000)
    f.setFailure({ method: 'DELETE', path: /^\/v2\/droplets\//, status: 503, html: true, times: 3 })
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(2_500)
    const stuck = hosts.snapshot().hosts[0]!
    expect(stuck.retryAt).toBeDefined()
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(2)
    const retried = await hosts.delete({ by: 'id', hostId: host.id })
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(3)
    expect(retried.state).toBe('deleting')
    await hosts.delete({ by: 'id', hostId: host.id })
    expect(deletes(f, /^\/v2\/droplets\//)).toBe(4) // the fault is spent: this one is carried out
    await pass(2_000)
    expect(f.state.droplets.size).toBe(0)
  })
})

describe('DigitalOcean under faults: leftovers that cost nothing but litter the account', () => {
  it('a firewall whose create answer was lost is found by the host tag at teardown and removed, with the tag', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/firewalls', status: 502, html: true, times: 1 })
    const host = await create('exit-lost-firewall', 'https')
    // DigitalOcean made it after all (the 502 came from a gateway after the API acted).
    await fetch(`${f.url}/v2/firewalls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `exitdesk-${host.id}`, inbound_rules: [{ protocol: 'tcp', ports: '443', sources: { addresses: ['0.0.0.0/0'] } }], tags: [`exitdesk-host-${host.id}`] }),
    })
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(LATE_CREATE_WINDOW_MS + 1_000)
    for (let i = 0; i < 3 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(f.state.firewalls.size).toBe(0)
    expect(hostTags(f)).toEqual([])
    expect(f.state.droplets.size).toBe(0)
  })

  it('a firewall DELETE answered with a 2xx that is not DigitalOcean\'s is sent again, so no firewall is left', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-portal-firewall', 'https')
    await pass(2_000)
    f.setFailure({ method: 'DELETE', path: /^\/v2\/firewalls\//, status: 200, html: true, times: 1 })
    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(3_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(deletes(f, /^\/v2\/firewalls\//)).toBe(2)
    expect(f.state.firewalls.size).toBe(0)
    expect(hostTags(f)).toEqual([])
  })
})

describe('DigitalOcean under faults: creates carried out late', () => {
  it('a create that timed out is only looked up; when DigitalOcean carries it out late, that droplet is adopted, not doubled', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/droplets', delayMs: TIMEOUT_MS * 4, times: 1 })
    const host = await create('exit-late')
    expect(host.rawStatus).toBe('checking whether DigitalOcean made it')
    expect(f.state.droplets.size).toBe(0) // the fake never got to it: the client gave up first
    await pass(20_000)
    await pass(20_000)
    expect(posts(f, '/v2/droplets')).toBe(1)
    const late = await lateDroplet(f, 'exit-late', host.id)
    await pass(LATE_CREATE_WINDOW_MS)
    await pass(2_000)
    expect(posts(f, '/v2/droplets')).toBe(2) // the original and the late one; Exitdesk sent no second create
    expect(f.state.droplets.size).toBe(1)
    expect(hosts.snapshot().hosts).toHaveLength(1)
    expect(hosts.snapshot().hosts[0]).toMatchObject({ id: host.id, state: 'active', locator: { instanceId: String(late) } })
    // The per-host tag the late create made is recorded, so the teardown leaves nothing.
    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 4 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(f.state.droplets.size).toBe(0)
    expect(hostTags(f)).toEqual([])
  })

  it('a teardown of a create with an unknown outcome waits out the window, so a droplet made late is deleted, not left running', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/droplets', status: 500, times: 1 })
    const host = await create('exit-late-delete')
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(30_000)
    expect(hosts.snapshot().hosts[0]?.state).toBe('deleting')
    await lateDroplet(f, 'exit-late-delete', host.id)
    await pass(30_000)
    for (let i = 0; i < 4; i++) await pass(2_000)
    expect(f.state.droplets.size).toBe(0) // deleted as soon as it showed up …
    expect(hosts.snapshot().hosts[0]?.rawStatus).toMatch(/^waiting for the end of the time DigitalOcean may still carry out a create/)
    await pass(LATE_CREATE_WINDOW_MS) // … and the row goes once nothing can arrive any more
    await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(hostTags(f)).toEqual([])
  })

  it('a droplet made even later than the window is recognised as the duplicate, removed on its own, and reported', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/droplets', status: 504, html: true, times: 1 })
    const host = await create('exit-dup', 'https')
    await pass(LATE_CREATE_WINDOW_MS + 1_000)
    await pass(2_000)
    const [original] = [...f.state.droplets.values()]
    expect(f.state.droplets.size).toBe(1)
    expect(f.state.firewalls.size).toBe(1)
    const duplicate = await lateDroplet(f, 'exit-dup', host.id)
    await pass(1_000)
    const rows = hosts.snapshot().hosts
    expect(rows).toHaveLength(2)
    const dupRow = rows.find((row) => row.locator.instanceId === String(duplicate))!
    expect(dupRow).toMatchObject({ state: 'deleting', discovered: true, locator: { attached: [] } })
    expect(dupRow.notice).toContain('a duplicate of "exit-dup"')
    expect(rows.find((row) => row.id === host.id)?.notice).toContain('made a second instance')
    for (let i = 0; i < 4 && hosts.snapshot().hosts.length > 1; i++) await pass(2_000)
    expect([...f.state.droplets.keys()]).toEqual([original!.id])
    // The live host keeps its firewall and tag: it is HTTPS, so without them every port would be open.
    expect(f.state.firewalls.size).toBe(1)
    expect(hostTags(f)).toEqual([`exitdesk-host-${host.id}`])
    expect(hosts.snapshot().hosts).toMatchObject([{ id: host.id, state: 'active' }])
  })
})

describe('DigitalOcean: a teardown never removes what another live droplet uses', () => {
  async function hostWithDuplicate(deleteAfterMs: number) {
    const service = await setup({ deleteAfterMs })
    const host = await service.create('exit-pair', 'https')
    await service.pass(2_000)
    const duplicate = await lateDroplet(service.fake, 'exit-pair', host.id)
    return { ...service, host, duplicate }
  }

  it('duplicate first: its teardown leaves the firewall and tag; the host\'s own teardown then removes them', async () => {
    const { hosts, fake: f, pass, host, duplicate } = await hostWithDuplicate(1_000)
    await pass(1_000) // the refresh finds the duplicate and deletes it
    for (let i = 0; i < 3; i++) await pass(2_000)
    expect(f.state.droplets.has(duplicate)).toBe(false)
    expect(f.state.firewalls.size).toBe(1)
    expect(hostTags(f)).toEqual([`exitdesk-host-${host.id}`])
    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 4 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(f.state.droplets.size).toBe(0)
    expect(f.state.firewalls.size).toBe(0)
    expect(hostTags(f)).toEqual([])
  })

  it('host first: its droplet goes, its firewall and tag stay until the duplicate is gone too', async () => {
    // DigitalOcean takes a while to destroy droplets here, so both are still there together.
    const { hosts, fake: f, pass, host, duplicate } = await hostWithDuplicate(60_000)
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(1_000) // the duplicate is found and its delete sent too
    const own = Number(hosts.snapshot().hosts.find((row) => row.id === host.id)!.locator.instanceId)
    f.advance(30_000) // the host's droplet goes first …
    f.state.droplets.get(duplicate)!.deleteRequestedAtMs = f.now() // … the duplicate's delete was only just carried out
    await pass(30_000)
    await pass(2_000)
    expect(f.state.droplets.has(own)).toBe(false)
    expect(f.state.droplets.has(duplicate)).toBe(true)
    expect(f.state.firewalls.size).toBe(1)
    expect(hostTags(f)).toEqual([`exitdesk-host-${host.id}`])
    expect(hosts.snapshot().hosts.find((row) => row.id === host.id)?.rawStatus).toMatch(new RegExp(`waiting for droplet ${duplicate}, which carries this host's tag, to be deleted first`))
    await pass(60_000)
    for (let i = 0; i < 3 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(f.state.droplets.size).toBe(0)
    expect(f.state.firewalls.size).toBe(0)
    expect(hostTags(f)).toEqual([])
    expect(hosts.snapshot().hosts).toEqual([])
  })
})

describe('DigitalOcean: a fresh create asks nothing it need not ask', () => {
  it('HTTPS: two round trips (the tag, then firewall and droplet at once) and no listing of every firewall; a retried step looks up first', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    await create('exit-warm-up') // reads the catalog (regions and sizes), kept for later creates
    f.requests.length = 0
    // The firewall's answer is held back: the droplet POST is sent meanwhile, not after it.
    f.setFailure({ method: 'POST', path: '/v2/firewalls', delayMs: 300, times: 1 })
    await create('exit-fresh', 'https')
    expect(f.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/tags', 'POST /v2/firewalls', 'POST /v2/droplets'])
    const [, firewall, droplet] = f.requests
    expect(droplet!.at - firewall!.at, 'the droplet POST went out while the firewall POST was still unanswered').toBeLessThan(300)

    f.setFailure({ method: 'POST', path: '/v2/droplets', status: 429, headers: { 'retry-after': '1' }, times: 1 })
    const retried = await create('exit-retried', 'https')
    expect(retried.locator.instanceId).toBeUndefined()
    f.requests.length = 0
    // The retried step looks up first: the firewall made beside the refused droplet is found by
    // its name (no second tag or firewall is made); then only the droplet is sent (a 429 is a
    // refusal: that droplet was never made).
    for (let i = 0; i < 3; i++) await pass(2_000)
    expect(f.requests.filter((r) => r.method === 'POST').map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/droplets'])
    expect(f.requests.some((r) => r.method === 'GET' && r.path === '/v2/firewalls')).toBe(true)
    expect(hosts.snapshot().hosts.find((h) => h.id === retried.id)?.locator.instanceId).toBeDefined()
  })
})

describe('DigitalOcean: a fresh HTTPS create whose firewall fails while its droplet is made', () => {
  const ofHost = (f: FakeDigitalOcean, id: string) => {
    const tag = `exitdesk-host-${id}`
    return { firewalls: [...f.state.firewalls.values()].filter((fw) => fw.tags.includes(tag)).length, droplets: [...f.state.droplets.values()].filter((d) => d.tags.includes(tag)).length }
  }

  it('refused outright (429): records the droplet, makes the firewall at the next step, and ends with one of each', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    await create('exit-warm-up')
    f.setFailure({ method: 'POST', path: '/v2/firewalls', status: 429, headers: { 'retry-after': '1' }, times: 1 })
    const host = await create('exit-half', 'https')
    expect(host.locator.instanceId, 'the droplet is recorded at once').toBeDefined()
    for (let i = 0; i < 5; i++) await pass(2_000)
    const record = hosts.snapshot().hosts.find((h) => h.id === host.id)!
    expect(record.busy).toBe(false)
    expect(record.locator.attached.filter((resource) => resource.kind === 'firewall')).toHaveLength(1)
    expect(ofHost(f, host.id)).toEqual({ firewalls: 1, droplets: 1 })
  })

  it('outcome unknown (500): only looked for until the late-processing window has passed, then made once', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    await create('exit-warm-up')
    f.setFailure({ method: 'POST', path: '/v2/firewalls', status: 500, times: 1 })
    const host = await create('exit-unsure', 'https')
    expect(host.locator.instanceId).toBeDefined()
    const posts = (): number => f.requests.filter((r) => r.method === 'POST' && r.path === '/v2/firewalls').length
    const before = posts()
    for (let i = 0; i < 5; i++) await pass(2_000)
    expect(posts(), 'no firewall is sent again while it may still land').toBe(before)
    expect(hosts.snapshot().hosts.find((h) => h.id === host.id)?.busy).toBe(true)
    for (let i = 0; i < 8; i++) await pass(30_000)
    expect(hosts.snapshot().hosts.find((h) => h.id === host.id)?.busy).toBe(false)
    expect(ofHost(f, host.id)).toEqual({ firewalls: 1, droplets: 1 })
  })
})

describe('DigitalOcean: hosts:create never holds the form', () => {
  it('answers within about a second when DigitalOcean is slow; the droplet step finishes in the background', async () => {
    const fake = closeLater(await startFakeDigitalOcean({ activateAfterMs: 1_000 }))
    const service = await makeHostService({ provisioners: [createDigitalOceanProvisioner({ timeoutMs: 10_000 })] })
    const account = await service.accounts.add({ cloud: 'digitalocean', label: 'Slow', endpoint: fake.url, credentials: { token: fake.token } })
    fake.setFailure({ method: 'POST', path: '/v2/droplets', delayMs: 3_000, times: 1 })
    const started = Date.now()
    const host = await service.hosts.create({ requestId: randomUUID(), accountId: account.id, name: 'exit-slow', region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'staging' } })
    expect(Date.now() - started).toBeLessThan(1_800)
    expect(host.state).toBe('provisioning')
    const f = fake
    await expect.poll(() => f.state.droplets.size, { timeout: 6_000 }).toBe(1)
    await expect.poll(() => service.hosts.snapshot().hosts[0]?.locator.instanceId, { timeout: 2_000 }).toBeDefined()
  })

  it('a refusal that arrives after the form stopped waiting stays in the table in DigitalOcean\'s words', async () => {
    const fake = closeLater(await startFakeDigitalOcean())
    const service = await makeHostService({ provisioners: [createDigitalOceanProvisioner({ timeoutMs: 10_000 })] })
    const account = await service.accounts.add({ cloud: 'digitalocean', label: 'Slow refusal', endpoint: fake.url, credentials: { token: fake.token } })
    fake.setFailure({ method: 'POST', path: '/v2/droplets', delayMs: 1_500, status: 422, body: { id: 'unprocessable_entity', message: 'creating this/these droplet(s) will exceed your droplet limit' }, times: 1 })
    const host = await service.hosts
      .create({ requestId: randomUUID(), accountId: account.id, name: 'exit-refused-late', region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'staging' } })
      .catch((error: unknown) => (error instanceof AppError ? error : Promise.reject(error)))
    expect(host).not.toBeInstanceOf(AppError)
    await expect.poll(() => service.hosts.snapshot().hosts[0]?.lastError, { timeout: 4_000 }).toContain('will exceed your droplet limit')
  })
})
