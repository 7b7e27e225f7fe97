/**
 * Contract test: the GCE adapter's requests (sent by the official SDK) and the fake's answers,
 * checked against Google's own API description in two ways:
 *
 * 1. The discovery document (provider-specs/gcp/compute.v1.discovery.json, Google's official
 *    description): every request the fake recorded must be a method of the document (HTTP
 *    method and path template), with path values matching the parameters' patterns, only
 *    documented query parameters, and only documented body fields, recursively; every 200 the
 *    fake answered may only carry documented fields. Prism cannot read discovery documents.
 * 2. Prism (`prism proxy --errors`) over the OpenAPI 3 conversion beside it
 *    (compute.v1.openapi3.apisguru.json, a third-party conversion), between the adapter and the
 *    fake: a request the conversion rejects comes back 422, an answer that breaks it 500. The
 *    conversion's paths lack the `/compute/v1` base path of its `servers` entry, which Prism
 *    does not strip, so a small front on 127.0.0.1 strips it before Prism.
 *
 * The spec folder is read from EXITDESK_PROVIDER_SPECS (default ../shared/provider-specs) and
 * never copied into the project. Without it (or Prism) the suites skip with a printed reason,
 * except when CI is set: then they fail.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import path from 'node:path'
import { OAuth2Client } from 'google-auth-library'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, Provisioner, StepResult } from '../../src/main/clouds/types'
import { createGceProvisioner } from '../../src/main/clouds/gce'
import { startFakeGce, type FakeGce, type RecordedRequest } from '../fakes/gce'
import { listenOnLoopback } from '../support/listeners'
import { missingSpec, PROVIDER_SPECS, prismSuite, requirePrerequisites, startPrismProxy, type PrismProxy } from '../support/prism'

const DISCOVERY = path.join(PROVIDER_SPECS, 'gcp', 'compute.v1.discovery.json')
const OPENAPI = path.join(PROVIDER_SPECS, 'gcp', 'compute.v1.openapi3.apisguru.json')

const discoverySuite = requirePrerequisites('GCE contract test (discovery)', existsSync(DISCOVERY) ? undefined : missingSpec(`no GCE discovery document at ${DISCOVERY}`))
const conversionSuite = prismSuite('GCE contract test (prism)', OPENAPI, `no GCE OpenAPI conversion at ${OPENAPI}`)

const OPERATION_MS = 1_000
const signal = (): AbortSignal => AbortSignal.timeout(20_000)

function staticToken(token: string): OAuth2Client {
  const client = new OAuth2Client()
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 24 * 3600_000 })
  return client
}

function spec(hostId: string, mode: 'tcp' | 'https', name: string): ProvisionSpec {
  return {
    hostId,
    name,
    region: 'us-central1-a',
    plan: 'e2-micro',
    userData: '#!/bin/bash\necho exit\n',
    tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    fresh: true,
  }
}

/** Everything the adapter does, once: verify, catalog, both creates, status, lists (paged), teardowns, a 404. */
async function exercise(p: Provisioner, ctx: CloudContext, fake: FakeGce): Promise<void> {
  await p.verify(ctx, signal())
  await p.catalog(ctx, signal())
  const hosts: StepResult[] = []
  for (const [index, mode] of (['tcp', 'https'] as const).entries()) {
    const s = spec(`0b6f1f1e-1111-4222-8333-44445555666${index}`, mode, `exit-contract-${index}`)
    let step = await p.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())
    for (let n = 0; !step.done && n < 8; n++) {
      fake.advance(OPERATION_MS)
      step = await p.provision(ctx, { ...s, fresh: false }, step.locator, step.progress, signal())
    }
    expect(step.done).toBe(true)
    hosts.push(step)
  }
  fake.advance(60_000)
  for (const host of hosts) expect((await p.status(ctx, host.locator, signal()))?.state).toBe('active')
  expect(await p.listByTag(ctx, 'project', 'exitdesk', signal())).toHaveLength(2)
  for (const host of hosts) {
    let step = await p.delete(ctx, host.locator, undefined, signal())
    for (let n = 0; !step.done && n < 10; n++) {
      fake.advance(OPERATION_MS)
      step = await p.delete(ctx, step.locator, step.progress, signal())
    }
    expect(step.done).toBe(true)
  }
  const gone: HostLocator = { ...hosts[0]!.locator }
  await expect(p.status(ctx, gone, signal())).resolves.toBeNull()
  expect(fake.state.instances.size + fake.state.firewalls.size).toBe(0)
}

// ---- the discovery document ----

interface DiscoveryParameter {
  location: 'path' | 'query'
  pattern?: string
  type?: string
}
interface DiscoveryMethod {
  id: string
  httpMethod: string
  path: string
  parameters?: Record<string, DiscoveryParameter>
  request?: { $ref: string }
  response?: { $ref: string }
}
interface DiscoverySchema {
  $ref?: string
  type?: string
  properties?: Record<string, DiscoverySchema>
  additionalProperties?: DiscoverySchema
  items?: DiscoverySchema
  enum?: string[]
}
interface Discovery {
  servicePath: string
  parameters: Record<string, DiscoveryParameter>
  schemas: Record<string, DiscoverySchema>
  resources: Record<string, { methods?: Record<string, DiscoveryMethod>; resources?: Discovery['resources'] }>
}

function methodsOf(resources: Discovery['resources']): DiscoveryMethod[] {
  return Object.values(resources).flatMap((resource) => [...Object.values(resource.methods ?? {}), ...methodsOf(resource.resources ?? {})])
}

/** The document's method for a recorded request: same HTTP method, path template matching, most literal segments. */
function findMethod(methods: DiscoveryMethod[], request: RecordedRequest): { method: DiscoveryMethod; values: Record<string, string> } | undefined {
  const candidates = methods.flatMap((method) => {
    if (method.httpMethod !== request.method) return []
    const names: string[] = []
    const source = method.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\+?([^}]+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))
    const match = new RegExp(`^${source}$`).exec(request.path)
    if (!match) return []
    return [{ method, values: Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)])), literal: method.path.split('/').filter((part) => !part.startsWith('{')).length }]
  })
  return candidates.sort((a, b) => b.literal - a.literal)[0]
}

/** Every field of `value` must be documented by `schema` (recursively); returns what is not. */
function undocumented(doc: Discovery, schema: DiscoverySchema | undefined, value: unknown, where: string): string[] {
  if (!schema) return [`${where}: no schema`]
  if (schema.$ref) return undocumented(doc, doc.schemas[schema.$ref], value, where)
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) {
    if (schema.type !== 'array') return [`${where}: a list where the document has ${schema.type}`]
    return value.flatMap((item, index) => undocumented(doc, schema.items, item, `${where}[${index}]`))
  }
  if (typeof value === 'object') {
    if (schema.type !== 'object' && !schema.properties && !schema.additionalProperties) return [`${where}: an object where the document has ${schema.type}`]
    return Object.entries(value as Record<string, unknown>).flatMap(([key, field]) => {
      const property = schema.properties?.[key] ?? schema.additionalProperties
      return property ? undocumented(doc, property, field, `${where}.${key}`) : [`${where}.${key}: not in the document`]
    })
  }
  if (schema.enum && typeof value === 'string' && !schema.enum.includes(value)) return [`${where}: "${value}" is not one of the documented values`]
  return []
}

function checkAgainstDiscovery(doc: Discovery, requests: RecordedRequest[]): string[] {
  const methods = methodsOf(doc.resources)
  const problems: string[] = []
  for (const request of requests) {
    const label = `${request.method} ${request.path}`
    const found = findMethod(methods, request)
    if (!found) {
      problems.push(`${label}: no such method in compute.v1.discovery.json`)
      continue
    }
    const { method, values } = found
    for (const [name, value] of Object.entries(values)) {
      const pattern = method.parameters?.[name]?.pattern
      if (pattern && !new RegExp(`^(?:${pattern})$`).test(value)) problems.push(`${label}: ${name} "${value}" does not match ${pattern}`)
    }
    for (const name of Object.keys(request.query)) {
      const parameter = method.parameters?.[name] ?? doc.parameters[name]
      if (!parameter || parameter.location !== 'query') problems.push(`${label}: query parameter ${name} is not a parameter of ${method.id}`)
    }
    if (request.body !== undefined) {
      if (!method.request) problems.push(`${label}: ${method.id} takes no body`)
      else problems.push(...undocumented(doc, { $ref: method.request.$ref }, request.body, `${method.id} body`).map((p) => `${label}: ${p}`))
    }
    if (request.status === 200 && method.response && request.response) {
      problems.push(...undocumented(doc, { $ref: method.response.$ref }, JSON.parse(request.response) as unknown, `the fake's answer to ${method.id}`).map((p) => `${label}: ${p}`))
    }
  }
  return problems
}

discoverySuite('GCE adapter vs compute.v1.discovery.json', () => {
  it('every request (method, path, path values, query, body) and every answer of the fake is in the document', async () => {
    const fake = await startFakeGce({ operationMs: OPERATION_MS, stagingAfterMs: 100, runningAfterMs: 200, maxPageSize: 1 })
    try {
      const p = createGceProvisioner({ credentialFor: () => staticToken(fake.token) })
      const ctx: CloudContext = { accountId: 'contract', credentials: { serviceAccountKey: JSON.stringify(fake.newKey()), projectId: fake.project }, endpoint: fake.url }
      await exercise(p, ctx, fake)
      const doc = JSON.parse(readFileSync(DISCOVERY, 'utf8')) as Discovery
      expect(doc.servicePath).toBe('compute/v1/')
      const used = new Set(fake.requests.map((r) => findMethod(methodsOf(doc.resources), r)?.method.id))
      // What the check covered, so a test that sent nothing cannot pass.
      expect([...used].sort()).toEqual(
        [
          'compute.firewalls.delete',
          'compute.firewalls.get',
          'compute.firewalls.insert',
          'compute.globalOperations.get',
          'compute.instances.aggregatedList',
          'compute.instances.delete',
          'compute.instances.get',
          'compute.instances.insert',
          'compute.projects.get',
          'compute.zoneOperations.get',
          'compute.zones.list',
        ].sort(),
      )
      expect(checkAgainstDiscovery(doc, fake.requests)).toEqual([])
    } finally {
      await fake.close()
    }
  }, 60_000)

  it('the check itself refuses an undocumented field, query parameter or path', () => {
    const doc = JSON.parse(readFileSync(DISCOVERY, 'utf8')) as Discovery
    const base = { status: 0, query: {} }
    expect(checkAgainstDiscovery(doc, [{ ...base, method: 'POST', path: 'projects/p-123456/zones/us-central1-a/instances', body: { name: 'x', userData: 'no' } }])).toEqual([expect.stringContaining('userData: not in the document')])
    expect(checkAgainstDiscovery(doc, [{ ...base, method: 'GET', path: 'projects/p-123456/aggregated/instances', query: { tag: 'x' } }])).toEqual([expect.stringContaining('query parameter tag')])
    expect(checkAgainstDiscovery(doc, [{ ...base, method: 'GET', path: 'projects/p-123456/zones/us-central1-a/instances/Bad_Name' }])).toEqual([expect.stringContaining('does not match')])
    expect(checkAgainstDiscovery(doc, [{ ...base, method: 'GET', path: 'projects/p-123456/droplets' }])).toEqual([expect.stringContaining('no such method')])
  })
})

conversionSuite('GCE adapter vs the OpenAPI conversion (prism proxy --errors)', () => {
  let fake: FakeGce
  let prism: PrismProxy
  let front: Server
  let endpoint = ''

  beforeAll(async () => {
    fake = await startFakeGce({ operationMs: OPERATION_MS, stagingAfterMs: 100, runningAfterMs: 200, maxPageSize: 1 })
    prism = await startPrismProxy(OPENAPI, fake.url, 120_000)
    // The front strips the base path Prism does not, and passes everything else through.
    front = createServer((request, response) => {
      const upstream = httpRequest({ host: '127.0.0.1', port: prism.port, method: request.method, path: (request.url ?? '/').replace(/^\/compute\/v1(?=\/)/, ''), headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      })
      upstream.on('error', () => response.destroy())
      request.pipe(upstream)
    })
    endpoint = `http://127.0.0.1:${await listenOnLoopback(front)}`
  }, 150_000)

  afterAll(async () => {
    await prism?.stop()
    await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()))
    await fake?.close()
  })

  it('the whole lifecycle passes the conversion: no request refused (422), no answer in breach (500)', async () => {
    const p = createGceProvisioner({ credentialFor: () => staticToken(fake.token) })
    const ctx: CloudContext = { accountId: 'contract-prism', credentials: { serviceAccountKey: JSON.stringify(fake.newKey()), projectId: fake.project }, endpoint }
    await exercise(p, ctx, fake)
    // Prism carried them: the fake saw the bare paths Prism forwarded.
    expect(fake.requests.length).toBeGreaterThan(20)
    expect(fake.requests.every((r) => r.status === 200 || r.status === 404)).toBe(true)
    // The conversion documents only each method's 200 (the discovery document has no error
    // answers), so Prism warns about every 404; a 404 is how GCE says "gone"
    // (https://cloud.google.com/compute/docs/api/handling-errors). Any other finding fails.
    const lines = prism.log.split('\n')
    const findings = lines.flatMap((line, index) => (/Request terminated with error|Violation/.test(line) ? [lines.slice(Math.max(0, index - 4), index + 1).join(' | ')] : []))
    const expected404 = (finding: string): boolean => /has returned 404/.test(finding) && /Unable to match the returned status code with those defined in the document: 200$/.test(finding)
    expect(findings.filter((finding) => !expected404(finding))).toEqual([])
    expect(findings.length).toBe(fake.requests.filter((r) => r.status === 404).length)
  }, 120_000)
})
