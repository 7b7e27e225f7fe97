/**
 * The OVHcloud adapter's requests checked against OVH's own API schema for /cloud
 * (../shared/provider-specs/ovhcloud/cloud.json: OVH's native format, `apis[]` of paths with
 * `operations[]` and `parameters[]`, and `models{}`; not OpenAPI, so Prism cannot read it).
 *
 * The adapter runs its whole life against the fake (verify, catalogue, a cold and a fresh
 * create, a retried create, status, list, teardown); every request the fake received must then
 * be an operation of the schema: its path matches a path template, its method is an operation of
 * it, every query parameter is one of the operation's, and every body field is a property of the
 * body's model with the right type, none read-only, every required one present. The fake's
 * answers are checked the same way: every field it answers is a property of the model the schema
 * names as the operation's `responseType`, so the fake cannot drift from OVH either. A self-test
 * shows that a wrong path, method, query parameter or body field is caught.
 *
 * GET /auth/time is in OVH's /auth schema, not in cloud.json; it is checked by name against
 * node-ovh and go-ovh, which call it the same way (provider-facts.md section 9).
 *
 * The schema is read from EXITDESK_PROVIDER_SPECS (default ../shared/provider-specs) and never
 * copied into the project. Without it the suite skips with a printed reason, except under CI.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createOvhProvisioner } from '../../src/main/clouds/ovh'
import type { CloudContext, ProvisionSpec } from '../../src/main/clouds/types'
import { startFakeOvh, type FakeOvh } from '../fakes/ovh'
import { missingSpec, PROVIDER_SPECS, requirePrerequisites } from '../support/prism'

const SCHEMA_FILE = path.join(PROVIDER_SPECS, 'ovhcloud', 'cloud.json')
const suite = requirePrerequisites('OVHcloud schema test', existsSync(SCHEMA_FILE) ? undefined : missingSpec(`no OVH API schema at ${SCHEMA_FILE}`))

interface Parameter {
  name?: string
  paramType: 'path' | 'query' | 'body'
  dataType: string
  required?: boolean
}
interface Operation {
  httpMethod: string
  parameters: Parameter[]
  responseType: string
  apiStatus?: { value: string }
}
interface Property {
  type: string
  readOnly?: boolean
  canBeNull?: boolean
  required?: boolean
}
interface Model {
  properties?: Record<string, Property>
  enum?: string[]
}
interface Schema {
  apis: Array<{ path: string; operations: Operation[] }>
  models: Record<string, Model>
}

export interface Sent {
  method: string
  path: string
  query: string
  body?: unknown
}

/** Every way `sent` departs from the schema; empty when it is an operation of it. */
export function requestProblems(schema: Schema, sent: Sent): string[] {
  const api = schema.apis.find((candidate) => new RegExp(`^${candidate.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(sent.path))
  if (!api) return [`${sent.method} ${sent.path}: no such path in the schema`]
  const operation = api.operations.find((candidate) => candidate.httpMethod === sent.method)
  if (!operation) return [`${sent.method} ${api.path}: no such method for this path`]
  const problems: string[] = []
  if (operation.apiStatus?.value === 'DEPRECATED' || operation.apiStatus?.value === 'DELETED') problems.push(`${sent.method} ${api.path} is ${operation.apiStatus.value}`)
  const queryNames = new Set(operation.parameters.filter((parameter) => parameter.paramType === 'query').map((parameter) => parameter.name))
  for (const [name, value] of new URLSearchParams(sent.query)) {
    if (!queryNames.has(name)) problems.push(`${sent.method} ${api.path}: query parameter "${name}" is not in the schema`)
    const type = operation.parameters.find((parameter) => parameter.name === name)?.dataType
    const allowed = type ? schema.models[type]?.enum : undefined
    if (allowed && !allowed.includes(value)) problems.push(`${sent.method} ${api.path}: "${name}=${value}" is not one of ${allowed.join(', ')}`)
  }
  const bodyParameter = operation.parameters.find((parameter) => parameter.paramType === 'body')
  if (sent.body !== undefined && !bodyParameter) problems.push(`${sent.method} ${api.path}: takes no body`)
  if (bodyParameter) {
    const model = schema.models[bodyParameter.dataType]
    if (!model?.properties) return [...problems, `${bodyParameter.dataType}: no such model`]
    if (typeof sent.body !== 'object' || sent.body === null || Array.isArray(sent.body)) return [...problems, `${sent.method} ${api.path}: the body is not an object`]
    const body = sent.body as Record<string, unknown>
    for (const [field, value] of Object.entries(body)) {
      const property = model.properties[field]
      if (!property) problems.push(`${bodyParameter.dataType}: no field "${field}"`)
      else if (property.readOnly) problems.push(`${bodyParameter.dataType}.${field} is read-only`)
      else if (!typeMatches(property.type, value)) problems.push(`${bodyParameter.dataType}.${field} is ${property.type}, not ${JSON.stringify(value)?.slice(0, 30)}`)
    }
    for (const [field, property] of Object.entries(model.properties)) {
      if (property.required && !(field in body)) problems.push(`${bodyParameter.dataType}.${field} is required`)
    }
  }
  return problems
}

/** Every field of an answer that its operation's `responseType` model does not have. */
export function answerProblems(schema: Schema, sent: Sent, answer: unknown): string[] {
  const api = schema.apis.find((candidate) => new RegExp(`^${candidate.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(sent.path))
  const operation = api?.operations.find((candidate) => candidate.httpMethod === sent.method)
  if (!operation) return [`${sent.method} ${sent.path}: not in the schema`]
  const check = (type: string, value: unknown, where: string): string[] => {
    if (value === null || value === undefined) return []
    if (type.endsWith('[]')) return Array.isArray(value) ? value.flatMap((item, index) => check(type.slice(0, -2), item, `${where}[${index}]`)) : [`${where} is not a list`]
    const model = schema.models[type]
    if (type === 'void') return value === null ? [] : [`${where}: void answered ${JSON.stringify(value).slice(0, 30)}`]
    if (!model?.properties) return typeMatches(type, value) ? [] : [`${where} is not ${type}`]
    if (typeof value !== 'object' || Array.isArray(value)) return [`${where} is not a ${type} object`]
    return Object.entries(value as Record<string, unknown>).flatMap(([field, inner]) => {
      const property = model.properties![field]
      return property ? check(property.type, inner, `${where}.${field}`) : [`${where}: ${type} has no field "${field}"`]
    })
  }
  return check(operation.responseType, answer, `${sent.method} ${api!.path}`)
}

/** OVH schema scalar types against JSON values; models and unknown types pass (checked by their own properties). */
function typeMatches(type: string, value: unknown): boolean {
  if (value === null) return true
  switch (type) {
    case 'string':
    case 'text':
    case 'password':
    case 'ip':
    case 'uuid':
    case 'datetime':
    case 'date':
      return typeof value === 'string'
    case 'boolean':
      return typeof value === 'boolean'
    case 'long':
    case 'double':
    case 'int':
      return typeof value === 'number'
    default:
      return true
  }
}

suite('OVHcloud requests and the fake\'s answers against OVH\'s /cloud schema', () => {
  let schema: Schema
  let fake: FakeOvh
  const answers: Array<{ sent: Sent; answer: unknown }> = []

  beforeAll(async () => {
    schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema
    fake = await startFakeOvh({ activateAfterMs: 0, deleteAfterMs: 0, clockSkewSeconds: 120 })
    // Record what the fake answers, by wrapping fetch for this suite only (127.0.0.1 only).
    const realFetch = globalThis.fetch
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init)
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url)
      if (response.ok && url.pathname !== '/1.0/auth/time') {
        const text = await response.clone().text()
        answers.push({ sent: { method: init?.method ?? 'GET', path: url.pathname.replace(/^\/1\.0/, ''), query: url.search.slice(1) }, answer: text ? JSON.parse(text) : null })
      }
      return response
    }
    try {
      const p = createOvhProvisioner()
      const ctx: CloudContext = { accountId: 'contract', credentials: { ...fake.credentials }, endpoint: fake.url }
      const signal = (): AbortSignal => AbortSignal.timeout(5_000)
      const spec = (id: string, extra: Partial<ProvisionSpec> = {}): ProvisionSpec => ({
        hostId: id,
        name: `exit-${id}`,
        region: 'GRA11',
        plan: 'd2-2',
        userData: '#cloud-config\n',
        tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' },
        tags: { app: 'exitdesk', host: `exitdesk-host-${id}` },
        ...extra,
      })
      await p.verify(ctx, signal())
      const cold = await p.provision(ctx, spec('cold', { fresh: true }), { region: 'GRA11', attached: [] }, undefined, signal())
      await p.catalog(ctx, signal())
      await p.provision(ctx, spec('warm', { region: 'SBG5' }), { region: 'SBG5', attached: [] }, undefined, signal())
      await p.provision(ctx, spec('cold'), { region: 'GRA11', attached: [] }, undefined, signal())
      await p.provision(ctx, spec('nothing', { lookupOnly: true }), { region: 'GRA11', attached: [] }, undefined, signal())
      await p.status(ctx, cold.locator, signal())
      await p.listByTag(ctx, 'account', 'exitdesk', signal())
      const first = await p.delete(ctx, cold.locator, undefined, signal())
      await p.delete(ctx, first.locator, first.progress, signal())
    } finally {
      globalThis.fetch = realFetch
    }
  })
  afterAll(async () => {
    await fake?.close()
  })

  it('every request the adapter sent is an operation of the schema, with its fields', () => {
    const sent = fake.requests.filter((request) => request.path !== '/auth/time')
    const kinds = new Set(sent.map((request) => `${request.method} ${request.path.replace(fake.projectId, '{serviceName}').replace(/[0-9a-f-]{36}$/, '{instanceId}')}`))
    expect([...kinds].sort()).toEqual([
      'DELETE /cloud/project/{serviceName}/instance/{instanceId}',
      'GET /cloud/project/{serviceName}',
      'GET /cloud/project/{serviceName}/flavor',
      'GET /cloud/project/{serviceName}/image',
      'GET /cloud/project/{serviceName}/instance',
      'GET /cloud/project/{serviceName}/instance/{instanceId}',
      'GET /cloud/project/{serviceName}/region',
      'POST /cloud/project/{serviceName}/instance',
    ])
    expect(sent.flatMap((request) => requestProblems(schema, request))).toEqual([])
    // And every one was signed and accepted (a 404 only for the instance teardown looks for after its delete).
    expect(sent.filter((request) => !request.signed || request.status !== 200).map((request) => `${request.method} ${request.status}`)).toEqual(['GET 404'])
  })

  it('GET /auth/time, outside cloud.json, is sent unsigned, once', () => {
    const time = fake.requests.filter((request) => request.path === '/auth/time')
    expect(time).toHaveLength(1)
    expect(time[0]).toMatchObject({ method: 'GET', signed: false })
  })

  it('every field the fake answered is in the schema\'s model for that answer', () => {
    expect(answers.length).toBeGreaterThan(8)
    expect(answers.flatMap(({ sent, answer }) => answerProblems(schema, sent, answer))).toEqual([])
  })

  it('self-test: a wrong path, method, query parameter, body field, type or missing field is caught', () => {
    const post = fake.requests.find((request) => request.method === 'POST')!
    const body = post.body as Record<string, unknown>
    expect(requestProblems(schema, { method: 'GET', path: '/cloud/project/x/instances', query: '' })).toEqual(['GET /cloud/project/x/instances: no such path in the schema'])
    expect(requestProblems(schema, { method: 'PATCH', path: '/cloud/project/x/instance', query: '' })[0]).toMatch(/no such method/)
    expect(requestProblems(schema, { method: 'GET', path: '/cloud/project/x/instance', query: 'zone=GRA11' })[0]).toMatch(/query parameter "zone"/)
    expect(requestProblems(schema, { method: 'GET', path: '/cloud/project/x/image', query: 'osType=ubuntu' })[0]).toMatch(/not one of/)
    expect(requestProblems(schema, { ...post, body: { ...body, user_data: 'x' } })).toEqual(['cloud.ProjectInstanceCreation: no field "user_data"'])
    expect(requestProblems(schema, { ...post, body: { ...body, monthlyBilling: 'no' } })[0]).toMatch(/monthlyBilling is boolean/)
    const { flavorId: _dropped, ...withoutFlavor } = body
    expect(requestProblems(schema, { ...post, body: withoutFlavor })).toEqual(['cloud.ProjectInstanceCreation.flavorId is required'])
    expect(answerProblems(schema, { method: 'GET', path: '/cloud/project/x/region', query: '' }, [{ name: 'GRA11' }])[0]).toMatch(/not string/)
    expect(answerProblems(schema, { method: 'GET', path: '/cloud/project/x/instance/y', query: '' }, { id: 'y', tags: [] })).toEqual(['GET /cloud/project/{serviceName}/instance/{instanceId}: cloud.instance.InstanceDetail has no field "tags"'])
  })
})
