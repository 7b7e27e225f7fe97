import { zodResolver } from '@hookform/resolvers/zod'
import { describe, expect, it } from 'vitest'
import { createHostInputSchema } from '../../src/shared/contract'
import type { NameRule } from '../../src/shared/domain'
import { DNS_LABEL_RULE } from '../../src/shared/naming'
import { newHostFieldOf, newHostFormSchema, toCreateRequest, type NewHostValues } from '../../src/renderer/src/lib/new-host-schema'

/** A cloud whose names may not contain dashes (as a stand-in for a stricter cloud). */
const STRICT_RULE: NameRule = { pattern: '[a-z0-9]+', maxLength: 12, description: 'lower-case letters and digits, at most 12 characters' }
const RULES: Record<string, NameRule> = { simulated: DNS_LABEL_RULE, strict: STRICT_RULE }
const schema = newHostFormSchema((accountId) => RULES[accountId])

const good: NewHostValues = {
  accountId: 'simulated',
  region: 'sim-1',
  plan: 'sim-small',
  tunnel: { mode: 'https', domainsText: ' a.example.com,\nb.example.com , a.example.com', letsEncryptIssuer: 'staging', inletsVersion: ' 0.11.14 ' },
  deleteAfter: '1h',
  name: 'exit-calm-otter-0042',
}

const with_ = (patch: Partial<NewHostValues>, tunnel: Partial<NewHostValues['tunnel']> = {}): NewHostValues => ({ ...good, ...patch, tunnel: { ...good.tunnel, ...tunnel } })

/** Each field path at fault, with its sentence. */
function problems(values: NewHostValues): Record<string, string> {
  const result = schema.safeParse(values)
  if (result.success) return {}
  return Object.fromEntries(result.error.issues.map((issue) => [issue.path.join('.'), issue.message]))
}

describe('New host form schema', () => {
  it('maps good values to a valid hosts:create input', () => {
    const parsed = schema.parse(good)
    expect(parsed).toEqual({
      accountId: 'simulated',
      name: 'exit-calm-otter-0042',
      region: 'sim-1',
      plan: 'sim-small',
      tunnel: { mode: 'https', inletsVersion: '0.11.14', domains: ['a.example.com', 'b.example.com'], letsEncryptIssuer: 'staging' },
      deleteAfter: '1h',
    })
    const input = createHostInputSchema.safeParse({ ...parsed, requestId: '0d6f0a8e-4d5b-4a7e-9c1d-2b3c4d5e6f70' })
    expect(input.success).toBe(true)
  })

  it('sends no domains in TCP mode, whatever the hidden box still holds', () => {
    const parsed = schema.parse(with_({}, { mode: 'tcp', domainsText: 'not a domain' }))
    expect(parsed.tunnel).toMatchObject({ mode: 'tcp', domains: [] })
    expect(toCreateRequest(with_({}, { mode: 'tcp' })).tunnel.domains).toEqual([])
  })

  it("checks the name against the chosen account's cloud rule", () => {
    expect(problems(with_({ name: 'Bad_Name' }))).toEqual({ name: expect.stringMatching(/^Host name must follow the cloud's naming rule: lower-case letters, digits and dashes/) })
    expect(problems(with_({ name: '' }))).toEqual({ name: 'Host name must not be empty.' })
    // The same name under a stricter cloud's rule.
    expect(problems(with_({ accountId: 'strict' }))).toEqual({ name: expect.stringMatching(/^Host name must be at most 12 characters/) })
    expect(problems(with_({ accountId: 'strict', name: 'exitotter42' }))).toEqual({})
  })

  it('wants at least one domain in HTTPS mode', () => {
    expect(problems(with_({}, { domainsText: ' , \n' }))).toEqual({ 'tunnel.domainsText': 'HTTPS needs at least one domain.' })
  })

  it('reports every bad field at once, each at its own path', () => {
    expect(problems(with_({ name: 'Bad Name!', plan: '' }, { domainsText: '', inletsVersion: 'latest' }))).toEqual({
      name: expect.stringMatching(/^Host name /),
      plan: 'Choose a region where this cloud sells a plan.',
      'tunnel.domainsText': 'HTTPS needs at least one domain.',
      'tunnel.inletsVersion': 'inlets-pro version must be a release number such as 0.11.14.',
    })
  })

  it("judges domains and the inlets-pro release with the contract's rules, in the screen's words", () => {
    expect(problems(with_({}, { domainsText: 'ok.example.com, not_a_domain' }))).toEqual({
      'tunnel.domainsText': 'Domain 2 must be a domain name such as tunnel.example.com.',
    })
    expect(problems(with_({}, { inletsVersion: '999.0.0' }))['tunnel.inletsVersion']).toMatch(/^inlets-pro version 999\.0\.0 is not a known inlets-pro release/)
  })

  it('refuses an empty region and an account whose cloud is unknown', () => {
    expect(problems(with_({ region: '' }))).toEqual({ region: 'Choose a region.' })
    expect(problems(with_({ accountId: 'gone' }))).toEqual({ accountId: 'Choose an account whose cloud this version of Exitdesk knows.' })
  })

  it('gives react-hook-form one error per field through the zod resolver', async () => {
    const resolver = zodResolver(schema)
    const bad = await resolver(with_({ name: 'Bad Name' }, { domainsText: '' }), undefined, { fields: {}, shouldUseNativeValidation: false })
    expect(bad.values).toEqual({})
    expect(bad.errors).toMatchObject({
      name: { type: 'custom', message: expect.stringMatching(/^Host name /) },
      tunnel: { domainsText: { type: 'custom', message: 'HTTPS needs at least one domain.' } },
    })
    const ok = await resolver(good, undefined, { fields: {}, shouldUseNativeValidation: false })
    expect(ok.errors).toEqual({})
    expect(ok.values).toMatchObject({ name: good.name, tunnel: { domains: ['a.example.com', 'b.example.com'] } })
  })
})

describe("New host form: main's errors next to their field", () => {
  it('maps the create input paths main names to the form fields', () => {
    expect(newHostFieldOf('tunnel.domains.0')).toBe('tunnel.domainsText')
    expect(newHostFieldOf('tunnel.domains')).toBe('tunnel.domainsText')
    expect(newHostFieldOf('name')).toBe('name')
    expect(newHostFieldOf('tunnel.inletsVersion')).toBe('tunnel.inletsVersion')
    expect(newHostFieldOf('deleteAfter')).toBe('deleteAfter')
    expect(newHostFieldOf('credentials.token')).toBeUndefined()
    expect(newHostFieldOf(undefined)).toBeUndefined()
  })
})
