/**
 * Checks EC2 Query requests against the botocore model of the EC2 API
 * (`aws-ec2/service-2.json` in ../shared/provider-specs, see SOURCES.md there; read in place,
 * never copied into the project). The folder comes from EXITDESK_PROVIDER_SPECS.
 *
 * EC2's protocol ("ec2" in the model's metadata) serializes a request as form fields whose names
 * are the member's `queryName`, else its `locationName` with the first letter in upper case,
 * else the member name; lists are always flattened as `Name.N` (N from 1), structures nest with
 * dots. Every field name must resolve to a member of the operation's input shape, every leaf to
 * a scalar, and enum, integer and boolean values must be valid.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const SPECS_DIR = process.env.EXITDESK_PROVIDER_SPECS ?? path.resolve('../shared/provider-specs')
export const EC2_MODEL_PATH = path.join(SPECS_DIR, 'aws-ec2', 'service-2.json')

interface Member {
  shape: string
  locationName?: string
  queryName?: string
}

interface Shape {
  type: string
  members?: Record<string, Member>
  member?: Member
  enum?: string[]
  required?: string[]
  min?: number
  max?: number
}

interface Model {
  metadata: { apiVersion: string; protocol: string }
  operations: Record<string, { input?: { shape: string }; output?: { shape: string } }>
  shapes: Record<string, Shape>
}

let loaded: Model | null | undefined

/** The model, or null when the provider-specs folder is not there. */
export function ec2Model(): Model | null {
  if (loaded !== undefined) return loaded
  loaded = existsSync(EC2_MODEL_PATH) ? (JSON.parse(readFileSync(EC2_MODEL_PATH, 'utf8')) as Model) : null
  return loaded
}

/** Why the model cannot be used here, or undefined when it can. */
export function ec2ModelMissing(): string | undefined {
  return ec2Model() ? undefined : `no EC2 botocore model at ${EC2_MODEL_PATH} (set EXITDESK_PROVIDER_SPECS to the provider-specs folder)`
}

const capitalize = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1)

function wireName(name: string, member: Member): string {
  return member.queryName ?? (member.locationName ? capitalize(member.locationName) : name)
}

/**
 * What is wrong with one EC2 request, as sentences (empty when it matches the model). `params`
 * are the form fields, `Action` and `Version` included.
 */
export function checkEc2Request(params: ReadonlyArray<readonly [string, string]>): string[] {
  const model = ec2Model()
  if (!model) return []
  const problems: string[] = []
  const fields = new Map(params)
  const action = fields.get('Action') ?? ''
  const operation = model.operations[action]
  if (!operation) return [`unknown action "${action}"`]
  if (fields.get('Version') !== model.metadata.apiVersion) problems.push(`Version must be ${model.metadata.apiVersion}, not "${fields.get('Version') ?? ''}"`)
  const input = operation.input?.shape
  const given = new Set<string>()
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue
    if (!input) {
      problems.push(`${action} takes no parameters, got "${key}"`)
      continue
    }
    const problem = walk(model, key.split('.'), input, key, value)
    if (problem) problems.push(problem)
    given.add(key.split('.')[0]!)
  }
  // Top-level required members must be present.
  const inputShape = input ? model.shapes[input] : undefined
  for (const required of inputShape?.required ?? []) {
    const member = inputShape!.members![required]!
    if (!given.has(wireName(required, member))) problems.push(`${action} needs ${wireName(required, member)}`)
  }
  return problems
}

function walk(model: Model, parts: string[], shapeName: string, key: string, value: string): string | undefined {
  const shape = model.shapes[shapeName]
  if (!shape) return `"${key}": the model has no shape ${shapeName}`
  const [head, ...rest] = parts
  if (head === undefined) return checkScalar(shape, shapeName, key, value)
  switch (shape.type) {
    case 'structure': {
      const entry = Object.entries(shape.members ?? {}).find(([name, member]) => wireName(name, member) === head)
      if (!entry) return `unknown parameter "${key}" ("${head}" is not a member of ${shapeName})`
      return walk(model, rest, entry[1].shape, key, value)
    }
    case 'list': {
      if (!/^[1-9][0-9]*$/.test(head)) return `"${key}": ${shapeName} is a list, so "${head}" must be an index from 1`
      return walk(model, rest, shape.member!.shape, key, value)
    }
    default:
      return `"${key}": ${shapeName} is a ${shape.type}, which has no "${head}"`
  }
}

function checkScalar(shape: Shape, shapeName: string, key: string, value: string): string | undefined {
  switch (shape.type) {
    case 'structure':
    case 'list':
    case 'map':
      return `"${key}" is a ${shape.type} (${shapeName}), not a value`
    case 'integer':
    case 'long':
      if (!/^-?[0-9]+$/.test(value)) return `"${key}" must be a whole number, not "${value}"`
      if (shape.min !== undefined && Number(value) < shape.min) return `"${key}" must be at least ${shape.min}`
      if (shape.max !== undefined && Number(value) > shape.max) return `"${key}" must be at most ${shape.max}`
      return undefined
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : `"${key}" must be true or false, not "${value}"`
    default:
      if (shape.enum && !shape.enum.includes(value)) return `"${key}" must be one of ${shapeName}'s values, not "${value}"`
      return undefined
  }
}

interface XmlNode {
  name: string
  children: XmlNode[]
  text: string
}

/** A small XML reader for the fake's own answers (elements, text and xmlns only). */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#root', children: [], text: '' }
  const stack: XmlNode[] = [root]
  const tokens = xml.replace(/<\?xml[^>]*\?>/, '').match(/<[^>]+>|[^<]+/g) ?? []
  for (const token of tokens) {
    const top = stack[stack.length - 1]!
    if (token.startsWith('</')) {
      if (top.name !== token.slice(2, -1).trim()) throw new Error(`</${top.name}> expected, got ${token}`)
      stack.pop()
    } else if (token.startsWith('<')) {
      const selfClosing = token.endsWith('/>')
      const node: XmlNode = { name: token.slice(1, selfClosing ? -2 : -1).trim().split(/\s/)[0]!, children: [], text: '' }
      top.children.push(node)
      if (!selfClosing) stack.push(node)
    } else if (token.trim()) {
      top.text += token
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`)
  return root.children[0]!
}

/**
 * What is wrong with one EC2 answer against the operation's output shape: in the "ec2" protocol
 * an output member is the element named by its `locationName`, a list's entries are `<item>`s.
 */
export function checkEc2Answer(action: string, xml: string): string[] {
  const model = ec2Model()
  if (!model) return []
  const operation = model.operations[action]
  if (!operation) return [`unknown action "${action}"`]
  let root: XmlNode
  try {
    root = parseXml(xml)
  } catch (error) {
    return [`${action}: not well-formed XML (${String(error)})`]
  }
  if (root.name !== `${action}Response`) return [`${action}: the root element is <${root.name}>, not <${action}Response>`]
  const problems: string[] = []
  const output = operation.output?.shape
  const children = root.children.filter((child) => child.name !== 'requestId')
  if (!output) {
    if (children.length > 0) problems.push(`${action} has no output, but the answer has <${children[0]!.name}>`)
    return problems
  }
  checkNode(model, children, output, `${action}Response`, problems)
  return problems
}

function checkNode(model: Model, children: XmlNode[], shapeName: string, where: string, problems: string[]): void {
  const shape = model.shapes[shapeName]!
  if (shape.type === 'structure') {
    for (const child of children) {
      const member = Object.entries(shape.members ?? {}).find(([name, m]) => (m.locationName ?? name) === child.name)
      if (!member) {
        problems.push(`${where}: <${child.name}> is not a member of ${shapeName}`)
        continue
      }
      const memberShape = model.shapes[member[1].shape]!
      if (memberShape.type === 'structure' || memberShape.type === 'list') checkNode(model, child.children, member[1].shape, `${where}.${child.name}`, problems)
      else if (child.children.length > 0) problems.push(`${where}.${child.name} is a ${memberShape.type}, not an element`)
      else checkValue(memberShape, member[1].shape, child.text, `${where}.${child.name}`, problems)
    }
    return
  }
  if (shape.type === 'list') {
    for (const [index, child] of children.entries()) {
      if (child.name !== 'item') {
        problems.push(`${where}: a list's entries are <item>, not <${child.name}>`)
        continue
      }
      const itemShape = model.shapes[shape.member!.shape]!
      if (itemShape.type === 'structure' || itemShape.type === 'list') checkNode(model, child.children, shape.member!.shape, `${where}[${index}]`, problems)
      else checkValue(itemShape, shape.member!.shape, child.text, `${where}[${index}]`, problems)
    }
  }
}

function checkValue(shape: Shape, shapeName: string, text: string, where: string, problems: string[]): void {
  const problem = checkScalar(shape, shapeName, where, text)
  if (problem) problems.push(problem)
  if (shape.type === 'timestamp' && Number.isNaN(Date.parse(text))) problems.push(`${where} is not a timestamp: "${text}"`)
}
