/**
 * A stateful, wire-compatible fake of the AWS calls Exitdesk makes, on 127.0.0.1 with a random
 * port: EC2 (Query protocol "ec2": form-encoded POST with `Action=` and `Version=2016-11-15`,
 * XML answers), STS GetCallerIdentity (Query protocol "awsQuery", XML) and SSM GetParameter
 * (JSON 1.1, `X-Amz-Target: AmazonSSM.GetParameter`). The SDK clients all accept one `endpoint`,
 * so all three services share the fake; the service is read from the SigV4 credential scope.
 *
 * Behaviour modelled on AWS:
 * - every request must carry a SigV4 `Authorization` header (AWS4-HMAC-SHA256, credential scope
 *   <key>/<date>/<region>/<service>/aws4_request, signed headers, a 64-hex signature) and
 *   `X-Amz-Date`; the signature is recomputed with the fake's secret, so a wrong secret is
 *   refused like a wrong key id: EC2 answers 401 AuthFailure, STS 403 InvalidClientTokenId,
 *   SSM 400 UnrecognizedClientException;
 * - every EC2 request is checked against the botocore model (./ec2-model.ts): an unknown action
 *   or parameter is answered 400 InvalidParameter / InvalidAction and kept in `violations`;
 * - instances start `pending` (no public address) and turn `running` with a public IPv4 after
 *   `runAfterMs` of fake time; TerminateInstances makes them `shutting-down`, `terminated`
 *   `terminateAfterMs` later, and unknown to EC2 (InvalidInstanceID.NotFound) `forgetAfterMs`
 *   after that; their volume and network interface go when they terminate;
 * - RunInstances honours ClientToken (a repeat answers the instance already made);
 * - a security group in use by an instance that is not terminated (or terminated less than
 *   `releaseAfterMs` ago) cannot be deleted: DependencyViolation;
 * - CreateSecurityGroup in a region without a default VPC: VPCIdNotSpecified;
 * - DescribeInstances and DescribeSecurityGroups page with MaxResults/NextToken (`pageSize`
 *   caps a page to force several);
 * - errors use EC2's XML shape `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 * Error messages are modelled on AWS's wording where known; treat them as examples.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { checkEc2Request } from './ec2-model'
import { closeServer } from './http-server'

export type Service = 'ec2' | 'sts' | 'ssm'

export interface FakeEc2Options {
  accessKeyId?: string
  secretAccessKey?: string
  /** When set, requests must carry it as X-Amz-Security-Token. */
  sessionToken?: string
  /** 12 digits. */
  accountId?: string
  /** Fake-time ms before a pending instance runs. Default 3000. */
  runAfterMs?: number
  /** Fake-time ms an instance stays shutting-down. Default 2000. */
  terminateAfterMs?: number
  /** Fake-time ms a terminated instance is still described. Default one hour, as on AWS. */
  forgetAfterMs?: number
  /** Fake-time ms after termination before its security group may be deleted. Default 0. */
  releaseAfterMs?: number
  /** Regions DescribeRegions lists. */
  regions?: string[]
  /** Regions without a default VPC. */
  noDefaultVpc?: string[]
  /** Subnets that exist, by id: their region and VPC. */
  subnets?: Record<string, { region: string; vpcId: string }>
  /** Largest page DescribeInstances / DescribeSecurityGroups answer, whatever MaxResults says. */
  pageSize?: number
  /** The SSM call is denied (AccessDeniedException), so the adapter must use DescribeImages. */
  ssmDenied?: boolean
  /** Public IPv4 of the n-th instance that runs (n from 10). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  clock?: { now(): number }
  /** Check the signature itself, not only its shape. Default true. */
  verifySignature?: boolean
}

export interface FailureRule {
  service?: Service
  /** EC2/STS `Action`, or SSM's target operation (e.g. "GetParameter"). */
  action?: string
  /** Answer with this AWS error code (and `status`, default by code). */
  code?: string
  message?: string
  status?: number
  /** Wait this long before answering. */
  delayMs?: number
  /** Carry the call out first, then answer with the failure (a lost answer). */
  afterEffect?: boolean
  /** Answer 200 with a body that breaks off in the middle. */
  truncate?: boolean
  /** Answer 200 text/html, as a captive portal does. */
  html?: boolean
  /** Close the connection without an answer. */
  reset?: boolean
  times?: number
}

/** What `setChaos` may do to a request (each a FailureRule of its own). */
export const CHAOS_KINDS = ['server-error', 'server-error-after', 'throttled', 'reset-before', 'reset-after', 'truncated-after', 'portal', 'timeout-after'] as const
export type ChaosKind = (typeof CHAOS_KINDS)[number]

export interface Chaos {
  /** Share of EC2 and SSM requests that fail (STS is left alone). */
  rate: number
  random: () => number
  kinds?: readonly ChaosKind[]
  /** Real ms an answer is held by `timeout-after` (longer than the client's deadline). */
  holdMs?: number
}

export interface FakeInstance {
  id: string
  region: string
  imageId: string
  instanceType: string
  state: 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped'
  launchedAtMs: number
  terminatedAtMs?: number
  terminateRequestedAtMs?: number
  ipv4?: string
  tags: Map<string, string>
  volumeTags: Map<string, string>
  interfaceTags: Map<string, string>
  groupIds: string[]
  clientToken?: string
  userData?: string
  subnetId?: string
  params: Map<string, string>
}

export interface FakeSecurityGroup {
  id: string
  region: string
  vpcId: string
  name: string
  description: string
  tags: Map<string, string>
  ingress: Array<{ protocol: string; from: number; to: number; cidrs: string[]; cidrsV6: string[] }>
}

export interface FakeRequest {
  service: Service
  action: string
  region: string
  params: Map<string, string>
  at: number
}

export interface FakeEc2 {
  url: string
  accessKeyId: string
  secretAccessKey: string
  accountId: string
  state: { instances: Map<string, FakeInstance>; groups: Map<string, FakeSecurityGroup> }
  requests: FakeRequest[]
  /** Every request the model refused, with why. */
  violations: Array<{ action: string; problems: string[] }>
  /** Every successful EC2 answer's XML, for the contract test's check against the model's output shapes. */
  answers: Array<{ action: string; xml: string }>
  /** Canonical's current image per region and architecture (SSM parameter and DescribeImages agree). */
  imageFor(region: string, arch: 'amd64' | 'arm64'): string
  /** Instances that are not terminated, plus their volumes and interfaces (all go with them). */
  liveInstances(): FakeInstance[]
  now(): number
  advance(ms: number): void
  setFailure(rule: FailureRule): void
  clearFailures(): void
  /** Fails a seeded share of EC2/SSM requests in AWS's ways (or stops, with undefined); counts what it did. */
  setChaos(chaos: Chaos | undefined): void
  chaosCounts: Partial<Record<ChaosKind, number>>
  /** Puts an instance straight into the state (benchmarks, duplicates). */
  seedInstance(instance: Partial<FakeInstance> & { region: string; tags: Map<string, string> }): FakeInstance
  close(): Promise<void>
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/'
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
const STATE_CODES: Record<FakeInstance['state'], number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 }
const DEFAULT_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1']

/** HTTP status AWS answers each error code with (EC2 API reference, "Error codes"). */
function statusFor(code: string): number {
  if (code === 'AuthFailure') return 401
  if (code === 'UnauthorizedOperation' || code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch' || code === 'AccessDenied') return 403
  if (code === 'RequestLimitExceeded' || code === 'Unavailable' || code === 'ServiceUnavailable') return 503
  if (code === 'InternalError' || code === 'InternalFailure' || code === 'InternalServerError') return 500
  return 400
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** `<tag>content</tag>`: content is escaped when it is a plain value. */
function x(tag: string, content: string | number | boolean | undefined | null, raw = false): string {
  if (content === undefined || content === null) return ''
  const text = raw ? String(content) : escapeXml(String(content))
  return `<${tag}>${text}</${tag}>`
}

const items = (entries: string[]): string => entries.map((entry) => `<item>${entry}</item>`).join('')
const tagSet = (tags: Map<string, string>): string => x('tagSet', items([...tags].map(([key, value]) => x('key', key) + x('value', value))), true)

export async function startFakeEc2(options: FakeEc2Options = {}): Promise<FakeEc2> {
  const accessKeyId = options.accessKeyId ?? `AKIA${randomBytes(8).toString('hex').toUpperCase()}`
  const secretAccessKey = options.secretAccessKey ?? randomBytes(20).toString('base64')
  const accountId = options.accountId ?? '123456789012'
  const runAfterMs = options.runAfterMs ?? 3_000
  const terminateAfterMs = options.terminateAfterMs ?? 2_000
  const forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000
  const releaseAfterMs = options.releaseAfterMs ?? 0
  const regions = options.regions ?? DEFAULT_REGIONS
  const noDefaultVpc = new Set(options.noDefaultVpc ?? [])
  const verifySignature = options.verifySignature ?? true
  const clock = options.clock ?? { now: () => Date.now() }
  let offset = 0
  const now = (): number => clock.now() + offset
  let ipCounter = 10
  let idCounter = 0
  const nextId = (prefix: string, length = 17): string => `${prefix}-${(++idCounter).toString(16).padStart(length, '0')}`
  const instances = new Map<string, FakeInstance>()
  const groups = new Map<string, FakeSecurityGroup>()
  const tokens = new Map<string, string>()
  const requests: FakeRequest[] = []
  const violations: FakeEc2['violations'] = []
  const answers: FakeEc2['answers'] = []
  let failures: FailureRule[] = []
  let chaos: Chaos | undefined
  const chaosCounts: Partial<Record<ChaosKind, number>> = {}

  function chaosRule(service: Service): FailureRule | undefined {
    if (!chaos || service === 'sts' || chaos.random() >= chaos.rate) return undefined
    const kinds = chaos.kinds ?? CHAOS_KINDS
    const kind = kinds[Math.floor(chaos.random() * kinds.length)] ?? kinds[0]!
    chaosCounts[kind] = (chaosCounts[kind] ?? 0) + 1
    switch (kind) {
      case 'server-error':
        return { code: 'InternalError', message: 'An internal error has occurred' }
      case 'server-error-after':
        return { code: 'InternalError', message: 'An internal error has occurred', afterEffect: true }
      case 'throttled':
        return { code: 'RequestLimitExceeded', message: 'Request limit exceeded.' }
      case 'reset-before':
        return { reset: true }
      case 'reset-after':
        return { reset: true, afterEffect: true }
      case 'truncated-after':
        return { truncate: true, afterEffect: true }
      case 'portal':
        return { html: true }
      case 'timeout-after':
        return { delayMs: chaos.holdMs ?? 1_000, code: 'InternalError', afterEffect: true }
    }
  }

  const imageFor = (region: string, arch: 'amd64' | 'arm64'): string =>
    `ami-${createHash('sha256').update(`${region}/${arch}`).digest('hex').slice(0, 17)}`

  /** Moves an instance along its life by fake time. */
  const settle = (instance: FakeInstance): FakeInstance => {
    const t = now()
    if (instance.state === 'pending' && t - instance.launchedAtMs >= runAfterMs) {
      instance.state = 'running'
      instance.ipv4 = (options.ipv4For ?? ((n) => `198.51.100.${n}`))(ipCounter++)
    }
    if (instance.state === 'shutting-down' && instance.terminateRequestedAtMs !== undefined && t - instance.terminateRequestedAtMs >= terminateAfterMs) {
      instance.state = 'terminated'
      instance.terminatedAtMs = t
      instance.ipv4 = undefined
    }
    return instance
  }
  /** Instances EC2 still describes (terminated ones for an hour). */
  const described = (): FakeInstance[] => [...instances.values()].map(settle).filter((i) => !(i.state === 'terminated' && now() - (i.terminatedAtMs ?? 0) >= forgetAfterMs))

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain' })
        response.end(String(error))
      }
    })
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request)
    const auth = parseAuthorization(request.headers.authorization)
    const service: Service = auth?.service === 'sts' ? 'sts' : auth?.service === 'ssm' ? 'ssm' : 'ec2'
    const ssmTarget = String(request.headers['x-amz-target'] ?? '')
    const form = service === 'ssm' ? new URLSearchParams() : new URLSearchParams(body)
    const action = service === 'ssm' ? ssmTarget.replace(/^AmazonSSM\./, '') : (form.get('Action') ?? '')
    const params = new Map(form)
    const region = auth?.region ?? 'us-east-1'
    requests.push({ service, action, region, params, at: now() })

    const send = (status: number, type: string, text: string): void => {
      response.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomBytes(8).toString('hex') })
      response.end(text)
    }
    const fail = (code: string, message: string, status = statusFor(code)): void => {
      if (service === 'ssm') return send(status, 'application/x-amz-json-1.1', JSON.stringify({ __type: code, message }))
      if (service === 'sts') {
        return send(status, 'text/xml', `<ErrorResponse xmlns="${STS_NS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>${x('Code', code)}${x('Message', message)}</Error>${x('RequestId', randomBytes(8).toString('hex'))}</ErrorResponse>`)
      }
      send(status, 'text/xml;charset=UTF-8', `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${x('Code', code)}${x('Message', message)}</Error></Errors>${x('RequestID', randomBytes(8).toString('hex'))}</Response>`)
    }

    // Authentication first, as AWS does.
    const authProblem = checkAuth(request, body, auth)
    if (authProblem) {
      if (service === 'sts') return fail('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
      if (service === 'ssm') return fail('UnrecognizedClientException', 'The security token included in the request is invalid.', 400)
      return fail('AuthFailure', 'AWS was not able to validate the provided access credentials')
    }

    const rule = failures.find((candidate) => (!candidate.service || candidate.service === service) && (!candidate.action || candidate.action === action)) ?? chaosRule(service)
    if (rule) {
      if (rule.times !== undefined && --rule.times <= 0) failures = failures.filter((kept) => kept !== rule)
      if (!rule.afterEffect) {
        if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs))
        if (rule.reset) return void request.socket.destroy()
        if (rule.code || rule.truncate || rule.html) return answerFailure(rule)
      }
    }

    let answer: { status: number; type: string; text: string } | { code: string; message: string; status?: number }
    if (service === 'sts') answer = sts(action)
    else if (service === 'ssm') answer = ssm(action, body, region)
    else {
      const problems = checkEc2Request([...form])
      if (problems.length > 0) {
        violations.push({ action, problems })
        return fail(problems[0]!.startsWith('unknown action') ? 'InvalidAction' : 'InvalidParameter', problems.join('; '))
      }
      answer = ec2(action, params, region)
    }
    if (rule?.afterEffect) {
      // Carried out; the answer is late, lost or not AWS's.
      if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs))
      if (rule.reset) return void request.socket.destroy()
      if (rule.code || rule.truncate || rule.html) return answerFailure(rule)
    }
    if ('code' in answer) return fail(answer.code, answer.message, answer.status)
    if (service === 'ec2') answers.push({ action, xml: answer.text })
    send(answer.status, answer.type, answer.text)

    function answerFailure(failure: FailureRule): void {
      if (failure.truncate) return send(200, service === 'ssm' ? 'application/x-amz-json-1.1' : 'text/xml;charset=UTF-8', service === 'ssm' ? '{"Parameter": {"Val' : `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}"><requestId>`)
      if (failure.html) return send(200, 'text/html', '<html><body><h1>Sign in to the network</h1></body></html>')
      fail(failure.code ?? 'InternalError', failure.message ?? 'An internal error has occurred', failure.status)
    }
  }

  function checkAuth(request: IncomingMessage, body: string, auth: Authorization | undefined): string | undefined {
    if (!auth) return 'no SigV4 Authorization header'
    if (auth.accessKeyId !== accessKeyId) return 'unknown access key'
    const amzDate = String(request.headers['x-amz-date'] ?? '')
    if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(auth.date)) return 'bad X-Amz-Date'
    if (options.sessionToken !== undefined && request.headers['x-amz-security-token'] !== options.sessionToken) return 'missing session token'
    if (!verifySignature) return undefined
    const canonicalHeaders = auth.signedHeaders.map((name) => `${name}:${headerValue(request, name)}\n`).join('')
    const url = new URL(request.url ?? '/', 'http://fake')
    const query = [...url.searchParams].map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&')
    const payloadHash = String(request.headers['x-amz-content-sha256'] ?? createHash('sha256').update(body).digest('hex'))
    const canonical = [request.method, url.pathname, query, canonicalHeaders, auth.signedHeaders.join(';'), payloadHash].join('\n')
    const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n')
    let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(auth.date).digest()
    for (const part of [auth.region, auth.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest()
    const expected = createHmac('sha256', key).update(toSign).digest('hex')
    return expected === auth.signature ? undefined : 'signature does not match'
  }

  type Answer = { status: number; type: string; text: string } | { code: string; message: string; status?: number }
  const xml = (action: string, content: string): Answer => ({
    status: 200,
    type: 'text/xml;charset=UTF-8',
    text: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}">${x('requestId', randomBytes(8).toString('hex'))}${content}</${action}Response>`,
  })

  function sts(action: string): Answer {
    if (action !== 'GetCallerIdentity') return { code: 'InvalidAction', message: `Could not find operation ${action} for version 2011-06-15` }
    const arn = `arn:aws:iam::${accountId}:user/exitdesk-test`
    return {
      status: 200,
      type: 'text/xml',
      text: `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>${x('Arn', arn)}${x('UserId', 'AIDAEXAMPLEUSERID')}${x('Account', accountId)}</GetCallerIdentityResult><ResponseMetadata>${x('RequestId', randomBytes(8).toString('hex'))}</ResponseMetadata></GetCallerIdentityResponse>`,
    }
  }

  function ssm(action: string, body: string, region: string): Answer {
    if (action !== 'GetParameter') return { code: 'UnknownOperationException', message: `Unknown operation ${action}` }
    if (options.ssmDenied) return { code: 'AccessDeniedException', message: `User: arn:aws:iam::${accountId}:user/exitdesk-test is not authorized to perform: ssm:GetParameter`, status: 400 }
    let name = ''
    try {
      name = String((JSON.parse(body) as { Name?: unknown }).Name ?? '')
    } catch {
      return { code: 'SerializationException', message: 'Start of structure or map found where not expected.' }
    }
    const match = /^\/aws\/service\/canonical\/ubuntu\/server\/24\.04\/stable\/current\/(amd64|arm64)\/hvm\/ebs-gp3\/ami-id$/.exec(name)
    if (!match) return { code: 'ParameterNotFound', message: '', status: 400 }
    return {
      status: 200,
      type: 'application/x-amz-json-1.1',
      text: JSON.stringify({ Parameter: { Name: name, Type: 'String', Value: imageFor(region, match[1] as 'amd64' | 'arm64'), Version: 42, LastModifiedDate: 1.7e9, ARN: `arn:aws:ssm:${region}::parameter${name}`, DataType: 'aws:ec2:image' } }),
    }
  }

  function ec2(action: string, params: Map<string, string>, region: string): Answer {
    switch (action) {
      case 'DescribeRegions':
        return xml(action, x('regionInfo', items(regions.map((name) => x('regionName', name) + x('regionEndpoint', `ec2.${name}.amazonaws.com`) + x('optInStatus', 'opt-in-not-required'))), true))
      case 'DescribeImages': {
        const owners = listParam(params, 'Owner')
        const filters = filterParams(params)
        if (!owners.includes('099720109477')) return xml(action, x('imagesSet', '', true))
        const arch = (filters.get('architecture') ?? ['x86_64']).includes('arm64') ? 'arm64' : 'amd64'
        const image = (id: string, date: string): string =>
          x('imageId', id) + x('imageOwnerId', '099720109477') + x('name', `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-${date.slice(0, 10).replace(/-/g, '')}`) + x('creationDate', date) + x('architecture', arch === 'arm64' ? 'arm64' : 'x86_64') + x('imageState', 'available')
        return xml(action, x('imagesSet', items([image('ami-0000000000000old', '2024-05-01T00:00:00.000Z'), image(imageFor(region, arch), '2026-11-01T00:00:00.000Z')]), true))
      }
      case 'DescribeSubnets': {
        const ids = listParam(params, 'SubnetId')
        const known = ids.filter((id) => options.subnets?.[id]?.region === region)
        if (known.length < ids.length) return { code: 'InvalidSubnetID.NotFound', message: `The subnet ID '${ids.find((id) => !known.includes(id)) ?? ''}' does not exist` }
        return xml(action, x('subnetSet', items(known.map((id) => x('subnetId', id) + x('state', 'available') + x('vpcId', options.subnets![id]!.vpcId) + x('availabilityZone', `${region}a`) + x('mapPublicIpOnLaunch', false))), true))
      }
      case 'CreateSecurityGroup': {
        if (noDefaultVpc.has(region) && !params.get('VpcId')) return { code: 'VPCIdNotSpecified', message: 'No default VPC for this user' }
        const name = params.get('GroupName') ?? ''
        if ([...groups.values()].some((group) => group.region === region && group.name === name)) return { code: 'InvalidGroup.Duplicate', message: `The security group '${name}' already exists for VPC 'vpc-0fake'` }
        const group: FakeSecurityGroup = { id: nextId('sg'), region, name, description: params.get('GroupDescription') ?? '', vpcId: params.get('VpcId') ?? 'vpc-0default', tags: tagsFromSpec(params, 'security-group'), ingress: [] }
        groups.set(group.id, group)
        return xml(action, x('groupId', group.id) + tagSet(group.tags))
      }
      case 'AuthorizeSecurityGroupIngress': {
        const group = groups.get(params.get('GroupId') ?? '')
        if (!group || group.region !== region) return { code: 'InvalidGroup.NotFound', message: `The security group '${params.get('GroupId') ?? ''}' does not exist` }
        const added = permissionParams(params)
        for (const rule of added) {
          if (group.ingress.some((kept) => kept.protocol === rule.protocol && kept.from === rule.from && kept.to === rule.to)) {
            return { code: 'InvalidPermission.Duplicate', message: `the specified rule "peer: 0.0.0.0/0, TCP, from port: ${rule.from}, to port: ${rule.to}, ALLOW" already exists` }
          }
        }
        group.ingress.push(...added)
        return xml(action, x('return', true))
      }
      case 'DescribeSecurityGroups': {
        const filters = filterParams(params)
        const ids = listParam(params, 'GroupId')
        const matching = [...groups.values()].filter((group) => group.region === region && (ids.length === 0 || ids.includes(group.id)) && matchesTags(group.tags, filters) && (!filters.has('group-name') || filters.get('group-name')!.includes(group.name)))
        const { page, token } = paginate(matching, params)
        const entry = (group: FakeSecurityGroup): string =>
          x('ownerId', accountId) +
          x('groupId', group.id) +
          x('groupName', group.name) +
          x('groupDescription', group.description) +
          x('vpcId', group.vpcId) +
          x('ipPermissions', items(group.ingress.map((rule) => x('ipProtocol', rule.protocol) + x('fromPort', rule.from) + x('toPort', rule.to) + x('ipRanges', items(rule.cidrs.map((cidr) => x('cidrIp', cidr))), true) + x('ipv6Ranges', items(rule.cidrsV6.map((cidr) => x('cidrIpv6', cidr))), true))), true) +
          tagSet(group.tags)
        return xml(action, x('securityGroupInfo', items(page.map(entry)), true) + x('nextToken', token))
      }
      case 'DeleteSecurityGroup': {
        const id = params.get('GroupId') ?? ''
        const group = groups.get(id)
        if (!group || group.region !== region) return { code: 'InvalidGroup.NotFound', message: `The security group '${id}' does not exist` }
        const user = described().find((instance) => instance.groupIds.includes(id) && (instance.state !== 'terminated' || now() - (instance.terminatedAtMs ?? 0) < releaseAfterMs))
        if (user) return { code: 'DependencyViolation', message: `resource ${id} has a dependent object` }
        groups.delete(id)
        return xml(action, x('return', true) + x('groupId', id))
      }
      case 'RunInstances': {
        const token = params.get('ClientToken')
        const known = token ? tokens.get(`${region}|${token}`) : undefined
        if (known && instances.has(known)) return xml(action, reservation([settle(instances.get(known)!)]))
        if (!params.get('ImageId')?.startsWith('ami-')) return { code: 'InvalidAMIID.Malformed', message: `Invalid id: "${params.get('ImageId') ?? ''}"` }
        const groupIds = listParam(params, 'NetworkInterface.1.SecurityGroupId')
        for (const groupId of groupIds) if (!groups.has(groupId)) return { code: 'InvalidGroup.NotFound', message: `The security group '${groupId}' does not exist in VPC 'vpc-0fake'` }
        const subnetId = params.get('NetworkInterface.1.SubnetId') ?? params.get('SubnetId')
        if (noDefaultVpc.has(region) && !subnetId) return { code: 'VPCIdNotSpecified', message: 'No default VPC for this user' }
        if (subnetId && options.subnets?.[subnetId]?.region !== region) return { code: 'InvalidSubnetID.NotFound', message: `The subnet ID '${subnetId}' does not exist` }
        const vpcId = subnetId ? options.subnets![subnetId]!.vpcId : 'vpc-0default'
        for (const groupId of groupIds) if (groups.get(groupId)!.vpcId !== vpcId) return { code: 'InvalidParameter', message: `Security group ${groupId} and subnet ${subnetId ?? 'default'} belong to different networks.` }
        const instance: FakeInstance = {
          id: nextId('i'),
          region,
          imageId: params.get('ImageId')!,
          instanceType: params.get('InstanceType') ?? 'm1.small',
          state: 'pending',
          launchedAtMs: now(),
          tags: tagsFromSpec(params, 'instance'),
          volumeTags: tagsFromSpec(params, 'volume'),
          interfaceTags: tagsFromSpec(params, 'network-interface'),
          groupIds,
          clientToken: token,
          subnetId,
          userData: params.has('UserData') ? Buffer.from(params.get('UserData')!, 'base64').toString('utf8') : undefined,
          params: new Map(params),
        }
        instances.set(instance.id, instance)
        if (token) tokens.set(`${region}|${token}`, instance.id)
        return xml(action, reservation([instance]))
      }
      case 'DescribeInstances': {
        const ids = listParam(params, 'InstanceId')
        const filters = filterParams(params)
        const all = described().filter((instance) => instance.region === region)
        if (ids.length > 0) {
          const missing = ids.filter((id) => !all.some((instance) => instance.id === id))
          if (missing.length > 0) return { code: 'InvalidInstanceID.NotFound', message: `The instance ID '${missing.join(', ')}' does not exist` }
        }
        const matching = all.filter((instance) => (ids.length === 0 || ids.includes(instance.id)) && matchesTags(instance.tags, filters) && (!filters.has('instance-state-name') || filters.get('instance-state-name')!.includes(instance.state)))
        const { page, token } = paginate(matching, params)
        return xml(action, x('reservationSet', items(page.map((instance) => reservation([instance]))), true) + x('nextToken', token))
      }
      case 'TerminateInstances': {
        const ids = listParam(params, 'InstanceId')
        const changes: string[] = []
        for (const id of ids) {
          const instance = described().find((candidate) => candidate.id === id && candidate.region === region)
          if (!instance) return { code: 'InvalidInstanceID.NotFound', message: `The instance ID '${id}' does not exist` }
          const previous = instance.state
          if (instance.state !== 'terminated' && instance.state !== 'shutting-down') {
            instance.state = 'shutting-down'
            instance.terminateRequestedAtMs = now()
            settle(instance)
          }
          changes.push(x('instanceId', id) + x('currentState', x('code', STATE_CODES[instance.state]) + x('name', instance.state), true) + x('previousState', x('code', STATE_CODES[previous]) + x('name', previous), true))
        }
        return xml(action, x('instancesSet', items(changes), true))
      }
      default:
        return { code: 'InvalidAction', message: `The action ${action} is not valid for this web service.` }
    }
  }

  function reservation(list: FakeInstance[]): string {
    return x('reservationId', `r-${randomBytes(8).toString('hex')}`) + x('ownerId', accountId) + x('groupSet', '', true) + x('instancesSet', items(list.map(instanceXml)), true)
  }
  function instanceXml(instance: FakeInstance): string {
    return (
      x('instanceId', instance.id) +
      x('imageId', instance.imageId) +
      x('instanceState', x('code', STATE_CODES[instance.state]) + x('name', instance.state), true) +
      x('instanceType', instance.instanceType) +
      x('launchTime', new Date(instance.launchedAtMs).toISOString()) +
      x('placement', x('availabilityZone', `${instance.region}a`), true) +
      x('ipAddress', instance.ipv4) +
      x('groupSet', items(instance.groupIds.map((id) => x('groupId', id) + x('groupName', groups.get(id)?.name ?? id))), true) +
      x('architecture', instance.instanceType.startsWith('t4g') ? 'arm64' : 'x86_64') +
      x('clientToken', instance.clientToken) +
      tagSet(instance.tags)
    )
  }

  /** A page of `list` from MaxResults/NextToken (the token is the next index, opaque to clients). */
  function paginate<T>(list: T[], params: Map<string, string>): { page: T[]; token?: string } {
    const start = Number(params.get('NextToken') ? Buffer.from(params.get('NextToken')!, 'base64').toString() : '0') || 0
    const asked = Number(params.get('MaxResults') ?? list.length) || list.length
    const size = Math.max(1, Math.min(asked, options.pageSize ?? Number.MAX_SAFE_INTEGER))
    const page = list.slice(start, start + size)
    const token = start + size < list.length ? Buffer.from(String(start + size)).toString('base64') : undefined
    return { page, token }
  }

  const port = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}`,
    accessKeyId,
    secretAccessKey,
    accountId,
    state: { instances, groups },
    requests,
    violations,
    answers,
    imageFor,
    liveInstances: () => [...instances.values()].map(settle).filter((instance) => instance.state !== 'terminated'),
    now,
    advance: (ms) => void (offset += ms),
    setFailure: (rule) => void failures.push({ ...rule }),
    clearFailures: () => void (failures = []),
    setChaos: (next) => void (chaos = next),
    chaosCounts,
    seedInstance(seed) {
      const instance: FakeInstance = {
        id: nextId('i'),
        imageId: imageFor(seed.region, 'arm64'),
        instanceType: 't4g.nano',
        state: 'running',
        launchedAtMs: now(),
        volumeTags: new Map(),
        interfaceTags: new Map(),
        groupIds: [],
        params: new Map(),
        ipv4: `198.51.100.${(ipCounter++ % 250) + 1}`,
        ...seed,
      }
      instances.set(instance.id, instance)
      return instance
    },
    close: () => closeServer(server),
  }
}

interface Authorization {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

/** `AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<64 hex>`. */
function parseAuthorization(header: string | undefined): Authorization | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(header ?? '')
  if (!match) return undefined
  return { accessKeyId: match[1]!, date: match[2]!, region: match[3]!, service: match[4]!, signedHeaders: match[5]!.split(';'), signature: match[6]! }
}

function headerValue(request: IncomingMessage, name: string): string {
  const value = request.headers[name]
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ')
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Values of a flattened list parameter `Prefix.N`. */
function listParam(params: Map<string, string>, prefix: string): string[] {
  const values: Array<[number, string]> = []
  for (const [key, value] of params) {
    const match = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`).exec(key)
    if (match) values.push([Number(match[1]), value])
  }
  return values.sort((a, b) => a[0] - b[0]).map(([, value]) => value)
}

/** `Filter.N.Name` / `Filter.N.Value.M` -> name -> values. */
function filterParams(params: Map<string, string>): Map<string, string[]> {
  const filters = new Map<string, string[]>()
  for (const [key, name] of params) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key)
    if (match) filters.set(name, listParam(params, `Filter.${match[1]}.Value`))
  }
  return filters
}

/** Tags of `TagSpecification.N` whose ResourceType is `type`. */
function tagsFromSpec(params: Map<string, string>, type: string): Map<string, string> {
  const tags = new Map<string, string>()
  for (const [key, value] of params) {
    const match = /^TagSpecification\.(\d+)\.ResourceType$/.exec(key)
    if (!match || value !== type) continue
    for (let n = 1; params.has(`TagSpecification.${match[1]}.Tag.${n}.Key`); n++) tags.set(params.get(`TagSpecification.${match[1]}.Tag.${n}.Key`)!, params.get(`TagSpecification.${match[1]}.Tag.${n}.Value`) ?? '')
  }
  return tags
}

/** Rules of `IpPermissions.N`. */
function permissionParams(params: Map<string, string>): FakeSecurityGroup['ingress'] {
  const rules: FakeSecurityGroup['ingress'] = []
  for (let n = 1; params.has(`IpPermissions.${n}.IpProtocol`); n++) {
    rules.push({
      protocol: params.get(`IpPermissions.${n}.IpProtocol`)!,
      from: Number(params.get(`IpPermissions.${n}.FromPort`)),
      to: Number(params.get(`IpPermissions.${n}.ToPort`)),
      cidrs: collect(params, `IpPermissions.${n}.IpRanges`, 'CidrIp'),
      cidrsV6: collect(params, `IpPermissions.${n}.Ipv6Ranges`, 'CidrIpv6'),
    })
  }
  return rules
}

function collect(params: Map<string, string>, prefix: string, field: string): string[] {
  const values: string[] = []
  for (let n = 1; params.has(`${prefix}.${n}.${field}`); n++) values.push(params.get(`${prefix}.${n}.${field}`)!)
  return values
}

/** `tag-key` and `tag:<key>` filters. */
function matchesTags(tags: Map<string, string>, filters: Map<string, string[]>): boolean {
  for (const [name, values] of filters) {
    if (name === 'tag-key' && !values.some((value) => tags.has(value))) return false
    if (name.startsWith('tag:') && !values.includes(tags.get(name.slice(4)) ?? '\u0000')) return false
  }
  return true
}
