/**
 * The few EC2, STS and SSM calls Exitdesk makes, on the official AWS SDK for JavaScript v3
 * (`@aws-sdk/client-ec2`, `-sts`, `-ssm`).
 *
 * - The SDK is loaded with `import()` the first time an EC2 account is used, so an Exitdesk
 *   without one never loads it (the three packages and their @smithy runtime are large).
 * - No retries inside the SDK (`maxAttempts: 1`): its default of three attempts with backoff
 *   could hold a call for seconds; the host service already retries a failed step with its own
 *   backoff, and every request then passes the account's budget once.
 * - A deadline on every request (`timeoutMs`, also the SDK's connection and request timeouts),
 *   and the caller's AbortSignal as the SDK's `abortSignal`.
 * - No waiters anywhere (`waitUntilInstanceRunning` and friends poll for minutes).
 * - SDK clients are kept per account, credential and region, so later calls reuse the open
 *   connection (one round trip a call instead of three with a new TLS handshake).
 * - The endpoint: AWS's own per region (the SDK resolves ec2.<region>.amazonaws.com, sts., ssm.)
 *   unless the account names one, which then serves all three services (tests: the fake).
 *
 * Every parameter here is checked against the botocore model
 * (../shared/provider-specs/aws-ec2/service-2.json) by the fake (test/fakes/ec2.ts).
 */
import { createHash } from 'node:crypto'
import type {
  AuthorizeSecurityGroupIngressCommandOutput,
  CreateSecurityGroupCommandOutput,
  DeleteSecurityGroupCommandOutput,
  DescribeImagesCommandOutput,
  DescribeInstancesCommandOutput,
  DescribeRegionsCommandOutput,
  DescribeSecurityGroupsCommandOutput,
  DescribeSubnetsCommandOutput,
  EC2Client,
  Filter,
  Instance,
  IpPermission,
  RunInstancesCommandInput,
  RunInstancesCommandOutput,
  SecurityGroup,
  TagSpecification,
  TerminateInstancesCommandOutput,
} from '@aws-sdk/client-ec2'
import type { GetCallerIdentityCommandOutput, STSClient } from '@aws-sdk/client-sts'
import type { GetParameterCommandOutput, SSMClient } from '@aws-sdk/client-ssm'
import type { RequestGate } from '../budget'
import { ec2Error, THROTTLE_PAUSE_SECONDS, unexpectedAnswer } from './errors'

export type { Instance, SecurityGroup, IpPermission, Filter, TagSpecification }

type Ec2Module = typeof import('@aws-sdk/client-ec2')
type StsModule = typeof import('@aws-sdk/client-sts')
type SsmModule = typeof import('@aws-sdk/client-ssm')

let ec2Module: Promise<Ec2Module> | undefined
let stsModule: Promise<StsModule> | undefined
let ssmModule: Promise<SsmModule> | undefined
const loadEc2 = (): Promise<Ec2Module> => (ec2Module ??= import('@aws-sdk/client-ec2'))
const loadSts = (): Promise<StsModule> => (stsModule ??= import('@aws-sdk/client-sts'))
const loadSsm = (): Promise<SsmModule> => (ssmModule ??= import('@aws-sdk/client-ssm'))

/** The three SDK packages, loaded ahead of the first call. */
export async function loadAwsSdks(): Promise<void> {
  await Promise.all([loadEc2(), loadSts(), loadSsm()])
}

/** Which AWS SDK packages this process has loaded so far (for the test that they load lazily). */
export function awsSdkLoaded(): { ec2: boolean; sts: boolean; ssm: boolean } {
  return { ec2: ec2Module !== undefined, sts: stsModule !== undefined, ssm: ssmModule !== undefined }
}

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/**
 * Per request. At 200 ms RTT a request on an open connection answers in about 200 ms and on a
 * new one (TCP + TLS + request) in about 600 ms; 5 s leaves room for a slow AWS answer while a
 * hung connection still fails well inside the host service's deadline.
 */
export const DEFAULT_TIMEOUT_MS = 5_000
/** Pages one list follows at most (1,000 instances a page): a broken NextToken never loops forever. */
export const DEFAULT_MAX_PAGES = 50
/** DescribeInstances MaxResults: 5 to 1,000 (botocore model, DescribeInstancesRequest). */
export const INSTANCES_PER_PAGE = 1000

/** STS has a global endpoint but the SDK defaults to the regional one; any region answers for the account. */
const STS_REGION = 'us-east-1'

interface SdkClients {
  ec2: Map<string, EC2Client>
  sts?: STSClient
  ssm: Map<string, SSMClient>
}

/** SDK clients of one account and credential, reused across calls (and their keep-alive connections). */
export class Ec2Clients {
  private readonly clients: SdkClients = { ec2: new Map(), ssm: new Map() }

  constructor(
    private readonly credentials: AwsCredentials,
    private readonly endpoint: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  private config(region: string) {
    return {
      region,
      credentials: { ...this.credentials },
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
      maxAttempts: 1,
      // Only the account's endpoint or AWS's own: never one from AWS_ENDPOINT_URL* or ~/.aws/config
      // (a developer's LocalStack setting would otherwise receive the user's key).
      ignoreConfiguredEndpointUrls: true,
      requestHandler: { connectionTimeout: this.timeoutMs, requestTimeout: this.timeoutMs, throwOnRequestTimeout: true },
    }
  }

  async ec2(region: string): Promise<EC2Client> {
    const { EC2Client } = await loadEc2()
    let client = this.clients.ec2.get(region)
    if (!client) this.clients.ec2.set(region, (client = guarded(new EC2Client(this.config(region)), XML)))
    return client
  }

  async sts(): Promise<STSClient> {
    const { STSClient } = await loadSts()
    return (this.clients.sts ??= guarded(new STSClient(this.config(STS_REGION)), XML))
  }

  async ssm(region: string): Promise<SSMClient> {
    const { SSMClient } = await loadSsm()
    let client = this.clients.ssm.get(region)
    if (!client) this.clients.ssm.set(region, (client = guarded(new SSMClient(this.config(region)), JSON_TYPE)))
    return client
  }

  destroy(): void {
    for (const client of this.clients.ec2.values()) client.destroy()
    for (const client of this.clients.ssm.values()) client.destroy()
    this.clients.sts?.destroy()
  }
}

const XML = /^(text|application)\/xml\b/i
const JSON_TYPE = /^application\/(x-amz-)?json\b/i

/** Thrown for a 2xx answer that is not AWS's (./errors.ts makes it an unknown outcome). */
export class ForeignAnswer extends Error {
  override readonly name = 'ForeignAnswer'
}

interface RawResponse {
  statusCode: number
  headers: Record<string, string | undefined>
}

/**
 * A 2xx counts only when it is AWS's: the SDK would read a captive portal's `200 text/html` as
 * an empty success (DeleteSecurityGroup, AuthorizeSecurityGroupIngress have nothing to check in
 * their answers). This middleware sits between the HTTP answer and the SDK's deserializer and
 * refuses a 2xx whose content type is not the protocol's (XML for EC2 and STS, JSON for SSM).
 */
function guarded<C extends { middlewareStack: { addRelativeTo(middleware: unknown, options: unknown): void } }>(client: C, type: RegExp): C {
  client.middlewareStack.addRelativeTo(
    (next: (args: unknown) => Promise<{ response: RawResponse }>) => async (args: unknown) => {
      const out = await next(args)
      const { statusCode, headers } = out.response
      const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? ''
      if (statusCode >= 200 && statusCode < 300 && !type.test(contentType.trim())) {
        throw new ForeignAnswer(`HTTP ${statusCode} with ${contentType.split(';')[0] || 'no content type'} instead of AWS's answer`)
      }
      return out
    },
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'exitdeskForeignAnswer' },
  )
  return client
}

/** A small cache of Ec2Clients per account, keyed by a hash of the credential (never the credential itself). */
export class Ec2ClientCache {
  private readonly byKey = new Map<string, Ec2Clients>()

  constructor(private readonly limit = 32) {}

  get(accountId: string, credentials: AwsCredentials, endpoint: string | undefined, timeoutMs: number): Ec2Clients {
    const fingerprint = createHash('sha256')
      .update([accountId, endpoint ?? '', credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? '', String(timeoutMs)].join('\n'))
      .digest('hex')
    let clients = this.byKey.get(fingerprint)
    if (clients) {
      // Most recently used last.
      this.byKey.delete(fingerprint)
      this.byKey.set(fingerprint, clients)
      return clients
    }
    clients = new Ec2Clients(credentials, endpoint, timeoutMs)
    this.byKey.set(fingerprint, clients)
    while (this.byKey.size > this.limit) {
      const [oldest] = this.byKey
      if (!oldest) break
      this.byKey.delete(oldest[0])
      oldest[1].destroy()
    }
    return clients
  }

  clear(): void {
    for (const clients of this.byKey.values()) clients.destroy()
    this.byKey.clear()
  }
}

export interface Ec2ApiOptions {
  clients: Ec2Clients
  timeoutMs: number
  maxPages?: number
  /** The account's request budget, seen with the caller's priority (../budget.ts). */
  budget?: RequestGate
}

interface Sent {
  action: string
  mutating: boolean
  region?: string
}

type Sendable<Output> = { send(command: never, options: { abortSignal: AbortSignal }): Promise<Output> }

/** One adapter call's view of the clients: its budget gate and its deadline. */
export class Ec2Api {
  constructor(private readonly options: Ec2ApiOptions) {}

  /** The caller's AWS account id and ARN (STS GetCallerIdentity: no IAM permission needed). */
  async callerIdentity(signal: AbortSignal): Promise<{ account: string; arn?: string }> {
    const { GetCallerIdentityCommand } = await loadSts()
    const client = await this.options.clients.sts()
    const out = await this.send<GetCallerIdentityCommandOutput>(client, new GetCallerIdentityCommand({}), { action: 'GetCallerIdentity', mutating: false }, signal)
    if (typeof out.Account !== 'string' || !/^\d{12}$/.test(out.Account)) throw unexpectedAnswer('GetCallerIdentity', 'no 12-digit Account in the answer', false)
    return { account: out.Account, arn: out.Arn }
  }

  /** Regions enabled for the account (DescribeRegions without AllRegions). */
  async describeRegions(region: string, signal: AbortSignal): Promise<string[]> {
    const { DescribeRegionsCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    const out = await this.send<DescribeRegionsCommandOutput>(client, new DescribeRegionsCommand({}), { action: 'DescribeRegions', mutating: false, region }, signal)
    if (!Array.isArray(out.Regions)) throw unexpectedAnswer('DescribeRegions', 'no region list in the answer', false)
    return out.Regions.map((entry) => entry.RegionName).filter((name): name is string => typeof name === 'string' && name.length > 0)
  }

  /** An SSM parameter's value; undefined when the parameter does not exist in that region. */
  async getParameter(region: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const { GetParameterCommand } = await loadSsm()
    const client = await this.options.clients.ssm(region)
    try {
      const out = await this.send<GetParameterCommandOutput>(client, new GetParameterCommand({ Name: name }), { action: 'GetParameter', mutating: false, region }, signal)
      const value = out.Parameter?.Value
      if (typeof value !== 'string') throw unexpectedAnswer('GetParameter', 'no Parameter.Value in the answer', false)
      return value
    } catch (error) {
      if (error instanceof Error && 'info' in error && (error as { info: { code: string } }).info.code === 'not-found') return undefined
      throw error
    }
  }

  /** Images by owner and filters (one page; the caller filters narrowly). */
  async describeImages(region: string, owners: string[], filters: Filter[], signal: AbortSignal) {
    const { DescribeImagesCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    const out = await this.send<DescribeImagesCommandOutput>(client, new DescribeImagesCommand({ Owners: owners, Filters: filters }), { action: 'DescribeImages', mutating: false, region }, signal)
    if (!Array.isArray(out.Images)) throw unexpectedAnswer('DescribeImages', 'no image list in the answer', false)
    return out.Images
  }

  /** Instances by id or by filters, every page followed (NextToken). */
  async describeInstances(region: string, query: { instanceIds?: string[]; filters?: Filter[] }, signal: AbortSignal): Promise<Instance[]> {
    const { DescribeInstancesCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    const instances: Instance[] = []
    let nextToken: string | undefined
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES
    for (let page = 0; page < maxPages; page++) {
      // MaxResults may not be combined with InstanceIds (botocore model documentation).
      const input = query.instanceIds ? { InstanceIds: query.instanceIds } : { Filters: query.filters, MaxResults: INSTANCES_PER_PAGE, NextToken: nextToken }
      const out = await this.send<DescribeInstancesCommandOutput>(client, new DescribeInstancesCommand(input), { action: 'DescribeInstances', mutating: false, region }, signal)
      if (!Array.isArray(out.Reservations)) throw unexpectedAnswer('DescribeInstances', 'no reservation list in the answer', false)
      for (const reservation of out.Reservations) for (const instance of reservation.Instances ?? []) instances.push(checkInstance(instance, 'DescribeInstances', false))
      nextToken = out.NextToken || undefined
      if (!nextToken || query.instanceIds) return instances
    }
    throw unexpectedAnswer('DescribeInstances', `more than ${maxPages} pages`, false)
  }

  async runInstances(region: string, input: RunInstancesCommandInput, signal: AbortSignal): Promise<Instance> {
    const { RunInstancesCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    const out = await this.send<RunInstancesCommandOutput>(client, new RunInstancesCommand(input), { action: 'RunInstances', mutating: true, region }, signal)
    const [instance] = out.Instances ?? []
    if (!instance) throw unexpectedAnswer('RunInstances', 'no instance in the answer', true)
    return checkInstance(instance, 'RunInstances', true)
  }

  /** Asks EC2 to terminate the instance. Returns its state after the call, or undefined when EC2 does not know it. */
  async terminateInstance(region: string, instanceId: string, signal: AbortSignal): Promise<string | undefined> {
    const { TerminateInstancesCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    try {
      const out = await this.send<TerminateInstancesCommandOutput>(client, new TerminateInstancesCommand({ InstanceIds: [instanceId] }), { action: 'TerminateInstances', mutating: true, region }, signal)
      const state = out.TerminatingInstances?.find((change) => change.InstanceId === instanceId)?.CurrentState?.Name
      if (typeof state !== 'string') throw unexpectedAnswer('TerminateInstances', 'no state change for the instance in the answer', true)
      return state
    } catch (error) {
      if (isCode(error, 'not-found')) return undefined
      throw error
    }
  }

  /** The VPC of a subnet in this region; undefined when the region has no such subnet. */
  async subnetVpc(region: string, subnetId: string, signal: AbortSignal): Promise<string | undefined> {
    const { DescribeSubnetsCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    try {
      const out = await this.send<DescribeSubnetsCommandOutput>(client, new DescribeSubnetsCommand({ SubnetIds: [subnetId] }), { action: 'DescribeSubnets', mutating: false, region }, signal)
      const vpcId = out.Subnets?.find((subnet) => subnet.SubnetId === subnetId)?.VpcId
      if (typeof vpcId !== 'string') throw unexpectedAnswer('DescribeSubnets', 'no VpcId for the subnet in the answer', false)
      return vpcId
    } catch (error) {
      if (isCode(error, 'not-found')) return undefined
      throw error
    }
  }

  async createSecurityGroup(region: string, input: { name: string; description: string; tags: TagSpecification[]; vpcId?: string }, signal: AbortSignal): Promise<string> {
    const { CreateSecurityGroupCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    const out = await this.send<CreateSecurityGroupCommandOutput>(
      client,
      new CreateSecurityGroupCommand({ GroupName: input.name, Description: input.description, TagSpecifications: input.tags, ...(input.vpcId ? { VpcId: input.vpcId } : {}) }),
      { action: 'CreateSecurityGroup', mutating: true, region },
      signal,
    )
    if (typeof out.GroupId !== 'string' || !out.GroupId.startsWith('sg-')) throw unexpectedAnswer('CreateSecurityGroup', 'no GroupId in the answer', true)
    return out.GroupId
  }

  /** Opens the ports; a rule that already exists (InvalidPermission.Duplicate) counts as done. */
  async authorizeIngress(region: string, groupId: string, permissions: IpPermission[], signal: AbortSignal): Promise<void> {
    const { AuthorizeSecurityGroupIngressCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    try {
      const out = await this.send<AuthorizeSecurityGroupIngressCommandOutput>(client, new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions }), { action: 'AuthorizeSecurityGroupIngress', mutating: true, region }, signal)
      if (out.Return !== true) throw unexpectedAnswer('AuthorizeSecurityGroupIngress', 'no <return>true</return> in the answer', true)
    } catch (error) {
      if (providerCode(error) === 'InvalidPermission.Duplicate') return
      throw error
    }
  }

  async describeSecurityGroups(region: string, filters: Filter[], signal: AbortSignal): Promise<SecurityGroup[]> {
    const { DescribeSecurityGroupsCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    const groups: SecurityGroup[] = []
    let nextToken: string | undefined
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES
    for (let page = 0; page < maxPages; page++) {
      const out = await this.send<DescribeSecurityGroupsCommandOutput>(
        client,
        new DescribeSecurityGroupsCommand({ Filters: filters, MaxResults: 1000, NextToken: nextToken }),
        { action: 'DescribeSecurityGroups', mutating: false, region },
        signal,
      )
      if (!Array.isArray(out.SecurityGroups)) throw unexpectedAnswer('DescribeSecurityGroups', 'no security group list in the answer', false)
      for (const group of out.SecurityGroups) {
        if (typeof group.GroupId !== 'string') throw unexpectedAnswer('DescribeSecurityGroups', 'a security group without GroupId', false)
        groups.push(group)
      }
      nextToken = out.NextToken || undefined
      if (!nextToken) return groups
    }
    throw unexpectedAnswer('DescribeSecurityGroups', `more than ${maxPages} pages`, false)
  }

  /**
   * Removes a security group: 'deleted', 'gone' (EC2 no longer knows it), or 'in-use' while an
   * instance or network interface still uses it (DependencyViolation: not yet, not a failure).
   */
  async deleteSecurityGroup(region: string, groupId: string, signal: AbortSignal): Promise<'deleted' | 'gone' | 'in-use'> {
    const { DeleteSecurityGroupCommand } = await loadEc2()
    const client = await this.options.clients.ec2(region)
    try {
      const out = await this.send<DeleteSecurityGroupCommandOutput>(client, new DeleteSecurityGroupCommand({ GroupId: groupId }), { action: 'DeleteSecurityGroup', mutating: true, region }, signal)
      if (out.Return !== true) throw unexpectedAnswer('DeleteSecurityGroup', 'no <return>true</return> in the answer', true)
      return 'deleted'
    } catch (error) {
      const code = providerCode(error)
      if (code === 'DependencyViolation') return 'in-use'
      if (code === 'InvalidGroup.NotFound' || code === 'InvalidGroupId.NotFound') return 'gone'
      throw error
    }
  }

  /**
   * One request: the budget first (it refuses at once when there is no room), then the SDK with
   * the deadline, then what AWS answered, for the budget. RequestLimitExceeded carries no
   * retry-after, so the budget is told a 429 with a short pause: the whole account waits.
   */
  private async send<Output>(client: unknown, command: unknown, sent: Sent, signal: AbortSignal): Promise<Output> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs)
    const combined = AbortSignal.any([signal, deadline])
    this.options.budget?.beforeRequest()
    try {
      const out = await (client as Sendable<Output>).send(command as never, { abortSignal: combined })
      this.options.budget?.afterResponse(statusOf(out) ?? 200, new Headers())
      return out
    } catch (error) {
      const status = statusOf(error)
      if (status !== undefined) this.options.budget?.afterResponse(status, new Headers())
      const mapped = ec2Error(error, { ...sent, signal: deadline.aborted ? deadline : signal })
      if (mapped.info.code === 'rate-limited') this.options.budget?.afterResponse(429, new Headers({ 'retry-after': String(THROTTLE_PAUSE_SECONDS) }))
      throw withProviderCode(mapped, error)
    }
  }
}

/** The AWS error code behind an AppError made here (kept off the AppError's info, which crosses to the renderer). */
const CODES = new WeakMap<object, string>()

function withProviderCode<T extends object>(mapped: T, original: unknown): T {
  if (original instanceof Error && '$fault' in original) CODES.set(mapped, original.name)
  return mapped
}

/** The AWS error code of an error thrown by this client, e.g. "DependencyViolation". */
export function providerCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? CODES.get(error) : undefined
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'info' in error && (error as { info: { code: string } }).info.code === code
}

function statusOf(value: unknown): number | undefined {
  const status = (value as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

/** The parts of an instance the adapter reads must be there: an id and a state name. */
function checkInstance(instance: Instance, action: string, mutating: boolean): Instance {
  if (typeof instance.InstanceId !== 'string' || !instance.InstanceId.startsWith('i-')) throw unexpectedAnswer(action, 'an instance without InstanceId', mutating)
  if (typeof instance.State?.Name !== 'string') throw unexpectedAnswer(action, 'an instance without State.Name', mutating)
  return instance
}
