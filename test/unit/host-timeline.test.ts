/**
 * A host's timeline (src/main/hosts/timeline.ts) through the host service with the simulated
 * cloud: the steps of a create and a teardown in order, a refused create's sentence, nothing
 * appended by a refresh that learns nothing, the bound, redaction, and old ledgers.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { SIM_BOOT_MS, SIM_TUNNEL_START_MS } from '../../src/main/clouds/simulator'
import { READINESS_LIMITS } from '../../src/main/hosts/readiness/scheduler'
import { appendTimeline, progressWords, TIMELINE_LIMIT } from '../../src/main/hosts/timeline'
import { LEDGER_FILE, openLedger } from '../../src/main/store/ledger'
import { redactor } from '../../src/main/redact'
import type { HostRecord } from '../../src/main/store/records'
import { makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const https = { mode: 'https' as const, inletsVersion: '0.11.14', domains: ['tunnel.example.com'], letsEncryptIssuer: 'staging' as const }
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('host timeline', () => {
  it('a simulated create -> active -> tunnel ready -> delete records each step in order, with times', async () => {
    const { hosts, clock, ledger } = await makeHostService()
    const created = await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-timeline-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: https, deleteAfter: '8h' })
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('not-ready'))
    clock.advance(Math.max(SIM_TUNNEL_START_MS, READINESS_LIMITS.notReadyIntervalMs)) // started, and due for another look
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('ready'))
    // Shown at once in the details, written with the next refresh.
    expect((await hosts.details(created.id)).timeline.at(-1)?.text).toMatch(/^Tunnel ready: tunnel ready \(simulated\)/)
    await hosts.refresh()
    await hosts.delete({ by: 'id', hostId: created.id })

    const record = ledger.read().hosts.find((h) => h.id === created.id)
    const texts = record?.timeline?.map((entry) => entry.text) ?? []
    expect(texts).toEqual([
      'Create requested: exit-timeline-1 in sim-local-1, plan sim-nano, HTTPS tunnel for tunnel.example.com',
      expect.stringMatching(/^Auto-teardown set: deleted after 8 h \(/),
      'Firewall created',
      // The test harness wraps the simulator without its console words, so the generic word here.
      expect.stringMatching(/^(Simulated instance|Instance) created \(sim-\d+\)$/),
      expect.stringMatching(/^Host active at 203\.0\.113\.\d+$/),
      expect.stringMatching(/^Tunnel ready: /),
      'Delete requested',
      'Instance delete sent',
    ])
    for (const entry of record?.timeline ?? []) expect(entry.at).toMatch(ISO)
    expect(record?.timeline?.map((entry) => entry.kind)).toEqual(['step', 'notice', 'step', 'step', 'step', 'step', 'step', 'step'])
  })

  it('a refresh that learns nothing appends nothing and writes nothing', async () => {
    const { hosts, clock, ledger } = await makeHostService()
    await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-timeline-idle', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })
    clock.advance(SIM_BOOT_MS + SIM_TUNNEL_START_MS)
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('ready'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    await hosts.refresh() // writes the "tunnel ready" entry
    const record = ledger.read().hosts[0]
    const revision = ledger.revision
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000)
      await hosts.refresh()
    }
    expect(ledger.revision).toBe(revision)
    expect(ledger.read().hosts[0]).toBe(record) // the same frozen record: copy-on-write kept its identity
    expect(record?.timeline?.filter((entry) => entry.text.startsWith('Host active'))).toHaveLength(1)
  })

  it('a create the cloud refuses in the background keeps the refusal sentence, with a time, on the error row', async () => {
    const { hosts, clock, cloud, ledger } = await makeHostService()
    // The first try fails retryably (the form gets the host back); the background retry is refused.
    cloud.failNext('provision', { code: 'provider-unavailable', message: 'The simulated cloud is having trouble.', retryable: true })
    const host = await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-refused', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })
    cloud.failNext('provision', { code: 'unprocessable', message: 'The simulated cloud could not accept these settings.', providerMessage: 'unknown region sim-local-1', retryable: false })
    clock.advance(10 * 60_000)
    await hosts.refresh()
    await hosts.refresh() // removes what was made for it (nothing), leaving the error row
    const record = ledger.read().hosts.find((h) => h.id === host.id)
    expect(record).toMatchObject({ state: 'error', refusal: expect.stringContaining('could not accept these settings') })
    const details = await hosts.details(host.id)
    const retried = details.timeline.find((entry) => entry.kind === 'error' && entry.text.startsWith('A create step failed'))
    expect(retried?.text).toMatch(/The simulated cloud is having trouble\..* Exitdesk tries again in \d+ s\.$/)
    const refusal = details.timeline.find((entry) => entry.kind === 'error' && entry.text.includes('refused the create'))
    expect(refusal).toEqual({ at: expect.stringMatching(ISO), kind: 'error', text: `Simulated cloud refused the create: ${record?.refusal}` })
    expect(Date.parse(refusal!.at)).toBe(clock.now())
    expect(details.timeline.at(-1)?.text).toBe('Everything made for the refused create removed')
  })

  it('a refused create is said in the cloud\'s words while its form waits, too', async () => {
    const { hosts, cloud, ledger } = await makeHostService()
    cloud.failNext('provision', { code: 'unprocessable', message: 'The simulated cloud could not accept these settings.', providerMessage: 'unknown region sim-local-9', retryable: false })
    const seen: string[] = []
    // Every write of the host, to see its timeline before the record goes with its leftovers.
    const update = ledger.update.bind(ledger)
    ledger.update = async (change) => {
      const result = await update(change)
      for (const entry of ledger.read().hosts.find((h) => h.name === 'exit-refused-form')?.timeline ?? []) if (!seen.includes(entry.text)) seen.push(entry.text)
      return result
    }
    await expect(hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-refused-form', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })).rejects.toMatchObject({ info: { code: 'unprocessable' } })
    await vi.waitFor(() => expect(seen).toContain('Simulated cloud refused the create: The simulated cloud could not accept these settings. The provider said: "unknown region sim-local-9"'))
  })

  it('auto-teardown set, cancelled and fired are on the timeline', async () => {
    const { hosts, clock, ledger } = await makeHostService()
    const host = await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-auto', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })
    await hosts.setAutoTeardown(host.id, 'never')
    await hosts.setAutoTeardown(host.id, '1h')
    clock.advance(55 * 60_000)
    await hosts.refresh()
    clock.advance(5 * 60_000)
    await hosts.refresh()
    const texts = ledger.read().hosts.find((h) => h.id === host.id)?.timeline?.map((entry) => entry.text) ?? []
    expect(texts).toEqual(
      expect.arrayContaining([
        'Auto-teardown cancelled: kept until deleted',
        expect.stringMatching(/^Auto-teardown set: deleted after 1 h \(/),
        expect.stringMatching(/^Auto-teardown deletes it in \d+ minutes \(warning sent\)$/),
        'Teardown started: Deleted after 1 h, as set later.',
      ]),
    )
  })

  it('keeps only the newest entries, oldest first', () => {
    const host: Pick<HostRecord, 'timeline'> = {}
    for (let i = 0; i < TIMELINE_LIMIT + 10; i++) appendTimeline(host, Date.UTC(2026, 0, 1, 0, 0, i), 'step', `step ${i}`)
    expect(host.timeline).toHaveLength(TIMELINE_LIMIT)
    expect(host.timeline?.[0]?.text).toBe('step 10')
    expect(host.timeline?.at(-1)?.text).toBe(`step ${TIMELINE_LIMIT + 9}`)
  })

  it('reads adapter progress markers as words', () => {
    expect(progressWords('firewall-created')).toBe('Firewall created')
    expect(progressWords('droplet-delete-requested')).toBe('Droplet delete sent')
    expect(progressWords('instance-gone')).toBe('Instance gone')
    expect(progressWords('ip-created')).toBe('IP created')
    expect(progressWords('attached-removed')).toBe('Everything made for it removed')
  })

  it('is redacted like the rest of the ledger: a secret in a provider message never reaches the file or the details', async () => {
    const secret = `sk-timeline-${randomUUID()}`
    redactor.remember(secret)
    const { hosts, cloud, ledger, dataDir } = await makeHostService()
    cloud.failNext('provision', { code: 'provider-unavailable', message: `The cloud said: bad token ${secret}.`, retryable: true })
    const host = await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-redacted', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })
    const file = await readFile(join(dataDir, LEDGER_FILE), 'utf8')
    expect(file).not.toContain(secret)
    expect(ledger.read().hosts[0]?.timeline?.some((entry) => entry.text.includes('[redacted]'))).toBe(true)
    expect(JSON.stringify(await hosts.details(host.id))).not.toContain(secret)
  })

  it('an old ledger without timelines loads unchanged, and such a host has an empty timeline', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-old-ledger-'))
    const old = {
      version: 1,
      accounts: [],
      hosts: [{ id: 'h-old', name: 'exit-old', cloud: 'simulator', accountId: 'simulated', region: 'sim-local-1', plan: 'sim-nano', state: 'active', rawStatus: 'running', createdAt: '2026-01-01T00:00:00.000Z', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' }, locator: { instanceId: 'sim-9', region: 'sim-local-1', attached: [] }, discovered: false, phase: 'created', failures: 0 }],
    }
    await writeFile(join(dataDir, LEDGER_FILE), `${JSON.stringify(old)}\n`)
    const ledger = await openLedger(dataDir)
    expect(ledger.read().hosts[0]).toEqual(old.hosts[0])
    expect(Object.hasOwn(ledger.read().hosts[0]!, 'timeline')).toBe(false)
    expect(ledger.recovery).toBeUndefined()
    const { hosts } = await makeHostService({ dataDir })
    expect((await hosts.details('h-old')).timeline).toEqual([])
  })

  it('a damaged timeline entry is dropped, not the host', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bad-timeline-'))
    const host = { id: 'h-bad', name: 'exit-bad', cloud: 'simulator', accountId: 'simulated', region: 'sim-local-1', plan: 'sim-nano', state: 'active', rawStatus: 'running', createdAt: '2026-01-01T00:00:00.000Z', tunnel: { mode: 'tcp' }, locator: { region: 'sim-local-1', attached: [] }, phase: 'created', timeline: [{ at: '2026-01-01T00:00:00.000Z', kind: 'step', text: 'kept' }, { at: 3, kind: 'step' }] }
    await writeFile(join(dataDir, LEDGER_FILE), JSON.stringify({ version: 1, accounts: [], hosts: [host] }))
    const ledger = await openLedger(dataDir)
    expect(ledger.read().hosts[0]?.timeline).toEqual([{ at: '2026-01-01T00:00:00.000Z', kind: 'step', text: 'kept' }])
  })
})
