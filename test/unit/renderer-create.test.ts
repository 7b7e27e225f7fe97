import { describe, expect, it } from 'vitest'
import type { Plan } from '../../src/shared/domain'
import { choosePlan, chooseRegion, cheapestPlan, plansInRegion } from '../../src/renderer/src/lib/plans'
import { parseDomains } from '../../src/renderer/src/lib/domains'
import { fieldLabel, matchField, withFieldLabel } from '../../src/renderer/src/lib/fields'
import { keptAfter, requestFor, type CreateRequest } from '../../src/renderer/src/lib/request-id'
import { versionHint } from '../../src/renderer/src/lib/inlets-version'

const plans: Plan[] = [
  { id: 'big', label: 'Big', monthlyCostUsd: 12 },
  { id: 'tiny-eu', label: 'Tiny', monthlyCostUsd: 3.5, regions: ['fra1'] },
  { id: 'small', label: 'Small', monthlyCostUsd: 4 },
  { id: 'small-b', label: 'Small B', monthlyCostUsd: 4 },
]

describe('create form: region and plan choice', () => {
  it('offers only the plans sold in the region (no region list: sold everywhere)', () => {
    expect(plansInRegion(plans, 'nyc1').map((p) => p.id)).toEqual(['big', 'small', 'small-b'])
    expect(plansInRegion(plans, 'fra1').map((p) => p.id)).toEqual(['big', 'tiny-eu', 'small', 'small-b'])
  })

  it('defaults to the cheapest plan in the region, the cloud default breaking a tie', () => {
    expect(choosePlan(plansInRegion(plans, 'fra1'), undefined, 'small')?.id).toBe('tiny-eu')
    expect(choosePlan(plansInRegion(plans, 'nyc1'), undefined, 'small-b')?.id).toBe('small-b')
    expect(cheapestPlan([], 'x')).toBeUndefined()
  })

  it("keeps the user's plan while it is sold in the region", () => {
    expect(choosePlan(plansInRegion(plans, 'fra1'), 'tiny-eu', 'small')?.id).toBe('tiny-eu')
    expect(choosePlan(plansInRegion(plans, 'nyc1'), 'tiny-eu', 'small')?.id).toBe('small')
  })

  it("keeps the user's region if offered, else the cloud default, else the first", () => {
    const regions = [
      { id: 'nyc1', label: 'New York 1' },
      { id: 'fra1', label: 'Frankfurt 1' },
    ]
    expect(chooseRegion(regions, 'fra1', 'nyc1')).toBe('fra1')
    expect(chooseRegion(regions, 'gone', 'nyc1')).toBe('nyc1')
    expect(chooseRegion(regions, undefined, 'ams3')).toBe('nyc1')
    expect(chooseRegion([], undefined, 'ams3')).toBeUndefined()
  })
})

describe('create form: domains and error fields', () => {
  it('splits domains on commas and newlines and drops blanks and repeats', () => {
    expect(parseDomains(' a.example.com, b.example.com\n\nc.example.com,a.example.com ')).toEqual(['a.example.com', 'b.example.com', 'c.example.com'])
    expect(parseDomains('  ')).toEqual([])
  })

  it("names fields as the screen does in main's sentences", () => {
    expect(fieldLabel('tunnel.domains.0')).toBe('Domain 1')
    expect(fieldLabel('credentials.token', { token: 'API token' })).toBe('API token')
    const info = withFieldLabel({ code: 'invalid-input', field: 'tunnel.domains.1', message: 'tunnel.domains.1 must be a domain name.', retryable: false })
    expect(info.message).toBe('Domain 2 must be a domain name.')
    const plain = { code: 'unauthorized' as const, field: 'credentials.token', message: 'DigitalOcean refused the token.', retryable: false }
    expect(withFieldLabel(plain)).toBe(plain)
  })

  it('puts an error next to the closest field of the form', () => {
    const fields = ['name', 'tunnel.domains', 'tunnel.letsEncryptIssuer'] as const
    expect(matchField('tunnel.domains.0', fields)).toBe('tunnel.domains')
    expect(matchField('name', fields)).toBe('name')
    expect(matchField('tunnel.domainsX', fields)).toBeUndefined()
    expect(matchField(undefined, fields)).toBeUndefined()
  })
})

describe('create form: the idempotency key', () => {
  const base: CreateRequest = {
    accountId: 'acc-1',
    name: 'exit-a',
    region: 'nyc1',
    plan: 'small',
    tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' },
  }
  const ids = () => {
    let n = 0
    return () => `id-${++n}`
  }

  it('reuses the id only for an unchanged resubmission after a retryable failure', () => {
    const newId = ids()
    const first = requestFor(null, base, newId)
    expect(first.id).toBe('id-1')
    const kept = keptAfter(first, 'retryable')
    expect(requestFor(kept, { ...base, tunnel: { ...base.tunnel } }, newId).id).toBe('id-1')
  })

  it('starts a new request when any input changed', () => {
    const newId = ids()
    const kept = keptAfter(requestFor(null, base, newId), 'retryable')
    const edits: CreateRequest[] = [
      { ...base, name: 'exit-b' },
      { ...base, region: 'fra1' },
      { ...base, plan: 'big' },
      { ...base, accountId: 'acc-2' },
      { ...base, tunnel: { ...base.tunnel, mode: 'https', domains: ['a.example.com'] } },
      { ...base, tunnel: { ...base.tunnel, inletsVersion: '0.11.13' } },
      { ...base, tunnel: { ...base.tunnel, letsEncryptIssuer: 'staging' } },
    ]
    const sent = edits.map((edit) => requestFor(kept, edit, newId).id)
    expect(new Set(sent).size).toBe(edits.length)
    expect(sent).not.toContain('id-1')
  })

  it('keeps nothing after a success or a refusal', () => {
    const newId = ids()
    const first = requestFor(null, base, newId)
    expect(keptAfter(first, 'created')).toBeNull()
    expect(keptAfter(first, 'refused')).toBeNull()
    expect(requestFor(keptAfter(first, 'created'), base, newId).id).toBe('id-2')
  })
})

describe('create form: the inlets-pro version hint', () => {
  it('explains a known release, warns about a newer one before submitting, and says why a version will be refused', () => {
    expect(versionHint('0.11.14')).toMatchObject({ tone: 'ok' })
    expect(versionHint('0.11.15')).toEqual({ tone: 'warn', text: expect.stringMatching(/^Warning: inlets-pro 0\.11\.15 is newer than the releases Exitdesk knows/) })
    expect(versionHint('999.999.999')).toEqual({ tone: 'error', text: expect.stringMatching(/^inlets-pro version 999\.999\.999 is not a known inlets-pro release/) })
    expect(versionHint(' ')).toMatchObject({ tone: 'error' })
  })
})
