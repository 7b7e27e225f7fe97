/**
 * Contract: every ARM request the Azure adapter sends — path, method, query parameters and
 * every field of every PUT body, nested — is checked against Azure's own OpenAPI (Swagger 2.0)
 * descriptions in ../shared/provider-specs/azure (EXITDESK_PROVIDER_SPECS to use another
 * folder), and the answers of the fake that the adapter reads are checked against the same
 * schemas.
 *
 * Why not Prism as for DigitalOcean (test/contract/digitalocean-spec.test.ts): Prism serves
 * plain http only, and the Azure SDK refuses to send a bearer token to a non-https URL
 * (@azure/core-rest-pipeline bearerTokenAuthenticationPolicy), so the adapter cannot be pointed
 * through `prism proxy`; Prism also cannot mock the NIC/PIP/NSG/VM answers (500
 * SCHEMA_TOO_COMPLEX, SOURCES.md §8). So this test walks the Swagger files itself, resolving
 * `$ref` across files and `allOf`, with ARM's `x-ms-client-flatten` wire shape (`properties`).
 *
 * api-version: the stored descriptions are compute 2024-03-01, network 2024-01-01, resources
 * 2024-03-01; the SDKs pin newer versions (compute 2026-03-01, network 2025-05-01, resources
 * 2025-04-01), which ARM accepts and which only add fields. A request is checked against the
 * stored version's shape, and its api-version must not be older than the stored one. Resource
 * SKUs (Microsoft.Compute/skus, api-version 2021-07-01) are not among the stored files and are
 * listed as unchecked.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createAzureProvisioner } from '../../src/main/clouds/azure'
import type { FakeAzureRequest } from '../fakes/azure'
import { contextFor, createUntilDone, deleteUntilDone, haveOpenssl, removeCertificate, signal, spec, startFake } from '../clouds/azure-support'

const SPECS = resolve(process.env.EXITDESK_PROVIDER_SPECS ?? '../shared/provider-specs', 'azure/specification')
const ROOTS = [
  'compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-03-01/virtualMachine.json',
  'network/resource-manager/Microsoft.Network/stable/2024-01-01/networkInterface.json',
  'network/resource-manager/Microsoft.Network/stable/2024-01-01/publicIpAddress.json',
  'network/resource-manager/Microsoft.Network/stable/2024-01-01/networkSecurityGroup.json',
  'network/resource-manager/Microsoft.Network/stable/2024-01-01/virtualNetwork.json',
  'resources/resource-manager/Microsoft.Resources/stable/2024-03-01/resources.json',
]
const missing = ROOTS.find((root) => !existsSync(join(SPECS, root)))
if (missing) console.warn(`[contract] Skipping the Azure contract test: ${join(SPECS, missing)} is absent (set EXITDESK_PROVIDER_SPECS).`)

type Json = Record<string, unknown>
const files = new Map<string, Json>()
function load(file: string): Json {
  let json = files.get(file)
  if (!json) {
    json = JSON.parse(readFileSync(file, 'utf8')) as Json
    files.set(file, json)
  }
  return json
}

/** A `$ref` resolved to its target and the file it lives in. */
function deref(node: Json, file: string): { node: Json; file: string } {
  let current = node
  let where = file
  for (let hops = 0; typeof current.$ref === 'string' && hops < 20; hops++) {
    const [target, pointer = ''] = (current.$ref as string).split('#')
    where = target ? resolve(dirname(where), target) : where
    let value: unknown = load(where)
    for (const part of pointer.split('/').filter(Boolean)) value = (value as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    current = value as Json
  }
  return { node: current, file: where }
}

interface Schema {
  properties: Map<string, { node: Json; file: string }>
  additional: boolean
  readOnly: Set<string>
}

/** A schema's properties, with allOf parents merged. */
function flatten(start: Json, file: string, seen = new Set<Json>()): Schema {
  const { node, file: where } = deref(start, file)
  const schema: Schema = { properties: new Map(), additional: false, readOnly: new Set() }
  if (seen.has(node)) return schema
  seen.add(node)
  for (const parent of (node.allOf as Json[] | undefined) ?? []) {
    const inherited = flatten(parent, where, seen)
    for (const [key, value] of inherited.properties) schema.properties.set(key, value)
    for (const key of inherited.readOnly) schema.readOnly.add(key)
    schema.additional ||= inherited.additional
  }
  for (const [key, value] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
    schema.properties.set(key, { node: value, file: where })
    if (value.readOnly === true) schema.readOnly.add(key)
  }
  if (node.additionalProperties !== undefined && node.additionalProperties !== false) schema.additional = true
  return schema
}

/** Every field of `value` not in the schema, or read-only, as a dotted path. */
function violations(value: unknown, schemaNode: Json, file: string, path: string, mode: 'request' | 'response'): string[] {
  const { node, file: where } = deref(schemaNode, file)
  if (Array.isArray(value)) {
    const items = node.items as Json | undefined
    return items ? value.flatMap((item, index) => violations(item, items, where, `${path}[${index}]`, mode)) : []
  }
  if (typeof value !== 'object' || value === null) {
    const type = node.type
    if (type === 'string' && typeof value !== 'string') return [`${path} is not a string`]
    if ((type === 'integer' || type === 'number') && typeof value !== 'number') return [`${path} is not a number`]
    if (type === 'boolean' && typeof value !== 'boolean') return [`${path} is not a boolean`]
    return []
  }
  const schema = flatten(node, where)
  if (schema.properties.size === 0) return []
  const problems: string[] = []
  for (const [key, field] of Object.entries(value)) {
    const declared = schema.properties.get(key)
    if (!declared) {
      if (!schema.additional) problems.push(`${path}.${key} is not in the schema`)
      continue
    }
    if (mode === 'request' && schema.readOnly.has(key)) problems.push(`${path}.${key} is read-only`)
    problems.push(...violations(field, declared.node, declared.file, `${path}.${key}`, mode))
  }
  return problems
}

interface Operation {
  template: string
  file: string
  version: string
  op: Json
  pathParameters: Json[]
}

function operations(): Operation[] {
  const all: Operation[] = []
  for (const root of ROOTS) {
    const file = join(SPECS, root)
    const json = load(file)
    for (const [template, item] of Object.entries(json.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue
        all.push({ template: `${method.toUpperCase()} ${template}`, file, version: (json.info as Json).version as string, op: op as Json, pathParameters: (item.parameters as Json[] | undefined) ?? [] })
      }
    }
  }
  return all
}

function match(request: FakeAzureRequest, all: Operation[]): Operation | undefined {
  return all.find((operation) => {
    const [method, template] = operation.template.split(' ') as [string, string]
    if (method !== request.method) return false
    const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`, 'i')
    return pattern.test(request.rawPath)
  })
}

function parameters(operation: Operation): Json[] {
  return [...operation.pathParameters, ...((operation.op.parameters as Json[] | undefined) ?? [])].map((parameter) => deref(parameter, operation.file).node)
}

afterAll(() => removeCertificate())

describe.skipIf(Boolean(missing) || !haveOpenssl)("Azure requests against Azure's OpenAPI descriptions", () => {
  it('every create (TCP and HTTPS), status, list, catalogue and delete request fits the stored specs', async () => {
    const fake = await startFake({ pageSize: 1 })
    try {
      const p = createAzureProvisioner()
      const ctx = contextFor(fake, 'acct-contract')
      await p.verify(ctx, signal())
      await p.catalog(ctx, signal())
      const tcp = await createUntilDone(p, ctx, fake, spec('c0c0c0c0-0000-4000-8000-000000000001', 'tcp', { fresh: true }))
      const https = await createUntilDone(p, ctx, fake, spec('c0c0c0c0-0000-4000-8000-000000000002', 'https'))
      fake.advance(5_000)
      await p.status(ctx, tcp.step.locator, signal())
      expect(await p.listByTag(ctx, 'account', 'exitdesk', signal())).toHaveLength(2)
      await deleteUntilDone(p, ctx, fake, { locator: tcp.step.locator })
      await deleteUntilDone(p, ctx, fake, { locator: https.step.locator })

      const all = operations()
      const arm = fake.requests.filter((request) => request.path.startsWith('/subscriptions/') && !/\/operations\/|\/operationresults\//.test(request.path))
      const unchecked = new Set<string>()
      const problems: string[] = []
      const checked = new Set<string>()
      for (const request of arm) {
        const operation = match(request, all)
        if (!operation) {
          unchecked.add(`${request.method} ${request.path.replace(/^\/subscriptions\/[^/]+/, '/subscriptions/{sub}')}`)
          continue
        }
        checked.add(operation.template)
        const declared = parameters(operation)
        if (!request.apiVersion || request.apiVersion < operation.version) problems.push(`${operation.template}: api-version ${request.apiVersion ?? 'missing'} is older than the described ${operation.version}`)
        const queryNames = new Set(declared.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name as string))
        for (const name of Object.keys(request.query)) {
          // $skiptoken rides in ARM's opaque nextLink, which the description does not spell out.
          if (name !== 'api-version' && name !== '$skiptoken' && !queryNames.has(name)) problems.push(`${operation.template}: query parameter ${name} is not described`)
        }
        const body = declared.find((parameter) => parameter.in === 'body')
        if (request.body !== undefined) {
          if (!body) problems.push(`${operation.template}: sends a body the description does not take`)
          else problems.push(...violations(request.body, body.schema as Json, operation.file, operation.template, 'request'))
        }
      }
      expect(problems).toEqual([])
      // What the adapter uses and the stored descriptions hold, each checked at least once.
      expect([...checked].sort()).toEqual(
        [
          'DELETE /subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}',
          'GET /subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines',
          'GET /subscriptions/{subscriptionId}/providers/Microsoft.Network/publicIPAddresses',
          'GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines/{vmName}',
          'GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkInterfaces/{networkInterfaceName}',
          'GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}',
          'GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/publicIPAddresses/{publicIpAddressName}',
          'GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}',
          'GET /subscriptions/{subscriptionId}/resourcegroups',
          'GET /subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}',
          'PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines/{vmName}',
          'PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkInterfaces/{networkInterfaceName}',
          'PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}',
          'PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/publicIPAddresses/{publicIpAddressName}',
          'PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}',
          'PUT /subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}',
        ].sort(),
      )
      expect([...unchecked]).toEqual(['GET /subscriptions/{sub}/providers/microsoft.compute/skus'])
    } finally {
      await fake.close()
    }
  })

  it('the check itself catches a misspelt field, a read-only field, a wrong type and an undescribed path', () => {
    const all = operations()
    const vm = match({ method: 'PUT', rawPath: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v', path: '', query: {} }, all)!
    const body = parameters(vm).find((parameter) => parameter.in === 'body')!
    const wrong = { location: 'eastus', properties: { osProfile: { customDta: 'eA==', adminUsername: 7 }, provisioningState: 'Succeeded', hardwareProfile: { vmSize: 'Standard_B1ls' } } }
    expect(violations(wrong, body.schema as Json, vm.file, 'vm', 'request').sort()).toEqual([
      'vm.properties.osProfile.adminUsername is not a string',
      'vm.properties.osProfile.customDta is not in the schema',
      'vm.properties.provisioningState is read-only',
    ])
    expect(match({ method: 'PUT', rawPath: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachinez/v', path: '', query: {} }, all)).toBeUndefined()
  })

  it("the fake's answers that the adapter reads fit the described response schemas", async () => {
    const fake = await startFake()
    try {
      const p = createAzureProvisioner()
      const ctx = contextFor(fake, 'acct-contract-2')
      const { step } = await createUntilDone(p, ctx, fake, spec('c0c0c0c0-0000-4000-8000-000000000003', 'https', { fresh: true }))
      fake.advance(5_000)
      const all = operations()
      // Ask the fake directly for the answers the adapter parses, and check each against its 200 schema.
      const token = fake.issuedTokens()[0]!
      const group = step.locator.resourceGroup!
      const base = `${fake.url}/subscriptions/${fake.subscriptionId}`
      const targets = [
        `${base}/resourcegroups/${group}?api-version=2024-03-01`,
        `${base}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${step.locator.instanceId!.split('/')[1]}?api-version=2024-03-01&$expand=instanceView`,
        `${base}/providers/Microsoft.Compute/virtualMachines?api-version=2024-03-01&statusOnly=true`,
        `${base}/resourceGroups/${group}/providers/Microsoft.Network/publicIPAddresses/exitdesk-ip?api-version=2024-01-01`,
        `${base}/providers/Microsoft.Network/publicIPAddresses?api-version=2024-01-01`,
        `${base}/resourceGroups/${group}/providers/Microsoft.Network/networkSecurityGroups/exitdesk-nsg?api-version=2024-01-01`,
        `${base}/resourceGroups/${group}/providers/Microsoft.Network/networkInterfaces/exitdesk-nic?api-version=2024-01-01`,
        `${base}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworks/exitdesk-vnet?api-version=2024-01-01`,
      ]
      const problems: string[] = []
      for (const target of targets) {
        const url = new URL(target)
        const operation = match({ method: 'GET', rawPath: url.pathname, path: url.pathname.toLowerCase(), query: {} }, all)!
        expect(operation, target).toBeDefined()
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        expect(response.status).toBe(200)
        const schema = ((operation.op.responses as Record<string, Json>)['200']!.schema ?? {}) as Json
        problems.push(...violations(await response.json(), schema, operation.file, operation.template, 'response'))
      }
      expect(problems).toEqual([])
    } finally {
      await fake.close()
    }
  })
})
