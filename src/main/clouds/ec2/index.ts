/**
 * The AWS EC2 adapter: one instance and one security group per host, in the account's default
 * VPC of the chosen region.
 *
 * Every method makes one or two quick requests and returns; nothing waits for an instance to
 * boot or terminate (no SDK waiters). Multi-step work is driven by the host service calling again
 * with the recorded `locator` and `progress`.
 *
 * Create:   CreateSecurityGroup (tags at launch)           -> 'security-group-created'
 *           AuthorizeSecurityGroupIngress (the mode's ports) -> 'ports-opened'
 *           RunInstances (ClientToken, tags at launch)      -> done
 *           The Ubuntu image is looked up (and cached) alongside the first step. A step that is
 *           not `fresh` first looks the host's tag up; a `lookupOnly` step only looks.
 * Teardown: TerminateInstances                              -> 'terminate-requested'
 *           DescribeInstances until terminated or unknown   -> 'instance-gone'
 *           the host's security groups (recorded or found by its tag) once no other live
 *           instance carries the host's tag; DeleteSecurityGroup one a call, where
 *           DependencyViolation means "still in use, not yet"  -> done
 *
 * Security groups: EC2's default group admits nothing from the internet, so even a TCP tunnel
 * needs its own group: TCP opens every TCP port (the client decides which it advertises), HTTPS
 * only 8123 (inlets control), 80 (ACME HTTP-01) and 443. Outbound stays open (a new group's
 * default egress rule allows everything).
 *
 * Tags: EC2 tags are key/value pairs; Exitdesk's tags (the app tag and the host tag) are tag
 * KEYS with an empty value, so one `tag-key` filter finds them, and the observation's `tags` are
 * the instance's tag keys.
 */
import { EC2_CONSOLE } from './console'
import type { Catalog, HostLocator, Region } from '../../../shared/domain'
import { AppError, invalidInput } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { DEFAULT_TIMEOUT_MS, Ec2Api, Ec2ClientCache, loadAwsSdks, providerCode, type AwsCredentials, type Instance, type IpPermission, type TagSpecification } from './client'
import { resolveUbuntuImage } from './images'
import { architectureOf, EC2_MANIFEST, regionLabel } from './manifest'
import { instanceState, LIVE_STATES } from './state'

export { EC2_MANIFEST } from './manifest'
export { instanceState, INSTANCE_STATES } from './state'

export interface Ec2ProvisionerOptions {
  /** Per-request deadline; DEFAULT_TIMEOUT_MS when absent. */
  timeoutMs?: number
  /** Bound on pages one list follows. */
  maxPages?: number
}

/** Ports an HTTPS tunnel needs: inlets control plane, ACME HTTP-01 challenge and HTTPS. */
export const HTTPS_PORTS = [8123, 80, 443] as const

export const PROGRESS = {
  securityGroupCreated: 'security-group-created',
  portsOpened: 'ports-opened',
  instanceCreated: 'instance-created',
  terminateRequested: 'terminate-requested',
  instanceGone: 'instance-gone',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

/** "User data is limited to 16 KB, in raw form, before it is base64-encoded" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html). */
export const MAX_USER_DATA_BYTES = 16 * 1024

export function createEc2Provisioner(options: Ec2ProvisionerOptions = {}): Provisioner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const cache = new Ec2ClientCache()
  const apiFor = (ctx: CloudContext): Ec2Api =>
    new Ec2Api({
      clients: cache.get(ctx.accountId, credentialsOf(ctx), endpointOf(ctx), timeoutMs),
      timeoutMs,
      maxPages: options.maxPages,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })

  return {
    manifest: EC2_MANIFEST,
    console: EC2_CONSOLE,

    async verify(ctx, signal): Promise<AccountIdentity> {
      subnetOf(ctx)
      const { account } = await apiFor(ctx).callerIdentity(signal)
      // The account id, never the ARN's user or role name: every key of the account reaches the same hosts.
      return { identity: account, accountName: `AWS account ${account}` }
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const names = await apiFor(ctx).describeRegions(EC2_MANIFEST.defaultRegion, signal)
      const regions: Region[] = names.map((id) => ({ id, label: regionLabel(id) })).sort((a, b) => a.label.localeCompare(b.label))
      return {
        regions,
        // EC2 has no price call; the built-in list carries its sources (./manifest.ts).
        plans: EC2_MANIFEST.plans,
        source: 'live',
        note: "Regions are read from AWS; prices are Exitdesk's built-in us-east-1 on-demand list, including the public IPv4 and the 8 GiB disk.",
      }
    },

    async provision(ctx, spec, locator, progress, signal): Promise<StepResult> {
      const api = apiFor(ctx)
      const next = copyLocator(locator)
      const region = next.region || spec.region
      next.region = region
      recordHostTag(next, spec.tags.host)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      const arch = architectureOf(spec.plan)
      // The image is looked up alongside the first steps (cached per region and architecture),
      // so the instance step is one request. Its failure here is not this step's: the instance
      // step asks again and reports it.
      const prefetch = (): Promise<unknown> => resolveUbuntuImage(api, endpointOf(ctx) ?? '', region, arch, signal).catch(() => undefined)

      let groupId = next.attached.find((resource) => resource.kind === 'security-group')?.id
      if (!groupId) {
        const found = spec.fresh ? undefined : await findOwnGroup(api, region, spec.tags.host, signal)
        if (!found && spec.lookupOnly) {
          await prefetch()
          return { done: false, locator: next, unresolved: true, waitingFor: 'AWS to show whether it made the security group' }
        }
        ;[groupId] = await Promise.all([found ?? networkFor(api, ctx, region, signal).then((network) => createGroup(api, region, spec, network, signal)), prefetch()])
        next.attached.push({ kind: 'security-group', id: groupId })
        return { done: false, locator: next, progress: PROGRESS.securityGroupCreated, waitingFor: 'the ports to be opened' }
      }

      if (progress !== PROGRESS.portsOpened) {
        // Idempotent (a rule that exists already counts as done) and it makes nothing billable,
        // so it is sent again even after an unknown outcome.
        await Promise.all([api.authorizeIngress(region, groupId, ingressRules(spec.tunnel.mode), signal), prefetch()])
        return { done: false, locator: next, progress: PROGRESS.portsOpened, waitingFor: 'the instance to be created' }
      }

      // The host tag is unique to this host: an instance carrying it is one an earlier,
      // interrupted call already made, so it is adopted instead of paying for two. The
      // ClientToken would make EC2 answer a repeated RunInstances with the same instance too,
      // but that is not relied on alone: it expires, and a lost answer is looked up first.
      const [found] = spec.fresh ? [] : await instancesCarrying(api, region, spec.tags.host, signal)
      if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'AWS to show whether it made the instance' }
      let instance = found
      if (!instance) {
        const [imageId, network] = await Promise.all([resolveUbuntuImage(api, endpointOf(ctx) ?? '', region, arch, signal), networkFor(api, ctx, region, signal)])
        instance = await api.runInstances(region, runRequest(spec, imageId, groupId, network?.subnetId), signal)
      }
      next.instanceId = instance.InstanceId!
      return { done: true, locator: next, progress: PROGRESS.instanceCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const instances = await describeById(apiFor(ctx), locator.region, locator.instanceId, signal)
      const instance = instances.find((candidate) => candidate.InstanceId === locator.instanceId)
      return instance ? observe(instance, locator.region) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const api = apiFor(ctx)
      const next = copyLocator(locator)
      const region = next.region
      if (next.instanceId && progress !== PROGRESS.instanceGone && progress !== PROGRESS.removingAttached) {
        const state =
          progress === PROGRESS.terminateRequested
            ? (await describeById(api, region, next.instanceId, signal)).find((instance) => instance.InstanceId === next.instanceId)?.State?.Name
            : await api.terminateInstance(region, next.instanceId, signal)
        // Gone: EC2 says terminated, or no longer knows the instance at all.
        if (state !== undefined && state !== 'terminated') {
          return { done: false, locator: next, progress: PROGRESS.terminateRequested, waitingFor: 'the instance to terminate', instancePresent: true }
        }
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'its security group to be removed' }
      }

      const hostTags = hostTagsOf(next)
      if (progress !== PROGRESS.removingAttached) {
        // The instance is gone (or was never made). Every group made for the host is looked up,
        // recorded or not, and nothing goes while another live instance carries the host's tag
        // (a duplicate from a create carried out late): the group still guards it.
        const [groups, carriers] = await Promise.all([
          Promise.all(hostTags.map((tag) => findGroups(api, region, tag, signal))).then((lists) => lists.flat()),
          Promise.all(hostTags.map((tag) => instancesCarrying(api, region, tag, signal))).then((lists) => lists.flat()),
        ])
        for (const group of groups) if (!next.attached.some((resource) => resource.kind === 'security-group' && resource.id === group)) next.attached.push({ kind: 'security-group', id: group })
        const others = [...new Set(carriers.map((instance) => instance.InstanceId!).filter((id) => id !== next.instanceId))]
        if (others.length > 0) {
          return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `instance ${others.join(', ')}, which carries this host's tag, to be deleted first` }
        }
      }

      const group = next.attached.find((resource) => resource.kind === 'security-group')
      if (group) {
        const outcome = await api.deleteSecurityGroup(region, group.id, signal)
        if (outcome === 'in-use') {
          // DependencyViolation: EC2 releases the group a little after the instance terminated
          // (its network interface goes first), or another instance uses it. Not a failure.
          return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `security group ${group.id} to be released by EC2` }
        }
        next.attached = next.attached.filter((kept) => !(kept.kind === 'security-group' && kept.id === group.id))
        if (next.attached.some((resource) => resource.kind === 'security-group')) {
          return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: 'its security group to be removed' }
        }
      }
      // EC2 tags are not resources of their own: they went with what carried them.
      next.attached = next.attached.filter((resource) => resource.kind !== 'tag')
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    prepare: loadAwsSdks,

    listScopes(locators: HostLocator[]): string[] {
      // EC2 is regional: one DescribeInstances per region in use; with no host yet, the default
      // region (where hosts from another computer most likely are).
      const regions = [...new Set(locators.map((locator) => locator.region).filter(Boolean))].sort()
      return regions.length > 0 ? regions : [EC2_MANIFEST.defaultRegion]
    },

    async listByTag(ctx, scope, tag, signal): Promise<Observation[]> {
      const instances = await instancesCarrying(apiFor(ctx), scope, tag, signal)
      return instances.map((instance) => observe(instance, scope))
    },
  }
}

function credentialsOf(ctx: CloudContext): AwsCredentials {
  const accessKeyId = ctx.credentials.accessKeyId?.trim() ?? ''
  const secretAccessKey = ctx.credentials.secretAccessKey?.trim() ?? ''
  if (!accessKeyId || !secretAccessKey) {
    throw new AppError({ code: 'unauthorized', message: 'This AWS account has no access key. Add one in the account settings.', retryable: false, outcome: 'none' })
  }
  const sessionToken = ctx.credentials.sessionToken?.trim()
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey }
}

function endpointOf(ctx: CloudContext): string | undefined {
  return ctx.endpoint.trim() || undefined
}

export function observe(instance: Instance, region: string): Observation {
  const tags = (instance.Tags ?? []).map((tag) => tag.Key).filter((key): key is string => typeof key === 'string')
  const name = instance.Tags?.find((tag) => tag.Key === 'Name')?.Value ?? instance.InstanceId!
  return {
    instanceId: instance.InstanceId!,
    name,
    region,
    plan: instance.InstanceType,
    state: instanceState(instance.State?.Name),
    rawStatus: instance.State?.Name ?? 'unknown',
    ipv4: instance.PublicIpAddress || undefined,
    ipv6: instance.Ipv6Address || undefined,
    createdAt: instance.LaunchTime instanceof Date && !Number.isNaN(instance.LaunchTime.getTime()) ? instance.LaunchTime.toISOString() : undefined,
    tags,
  }
}

/** Security group names: up to 255 characters, not starting with "sg-", a-z A-Z 0-9 and ._-:/()#,@[]+=&;{}!$* (GroupName in the botocore model). */
export function securityGroupName(hostId: string): string {
  const safe = hostId.replace(/[^a-zA-Z0-9._-]+/g, '-')
  return `exitdesk-${safe || 'host'}`.slice(0, 255)
}

/**
 * RunInstances' idempotency token: "Maximum 64 ASCII characters" (ClientToken in the botocore
 * model; https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html), the same for
 * every try of one host, so EC2 answers a repeat with the instance it already made.
 */
export function clientToken(hostId: string): string {
  return `exitdesk-${hostId}`.replace(/[^\x21-\x7e]/g, '-').slice(0, 64)
}

function tagsFor(resourceType: TagSpecification['ResourceType'], spec: ProvisionSpec): TagSpecification {
  return {
    ResourceType: resourceType,
    Tags: [
      { Key: 'Name', Value: spec.name },
      { Key: spec.tags.app, Value: '' },
      { Key: spec.tags.host, Value: '' },
    ],
  }
}

/**
 * Inbound rules for the mode, from anywhere over IPv4 and IPv6. TCP: every TCP port (0-65535);
 * HTTPS: 8123, 80 and 443 only.
 */
export function ingressRules(mode: ProvisionSpec['tunnel']['mode']): IpPermission[] {
  const everywhere = { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }
  if (mode === 'tcp') return [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, ...everywhere }]
  return HTTPS_PORTS.map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, ...everywhere }))
}

/** The subnet to use in this region, when the account names one: checked format, else an invalid-input error. */
function subnetOf(ctx: CloudContext): string | undefined {
  const subnetId = ctx.credentials.subnetId?.trim()
  if (!subnetId) return undefined
  if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId)) throw invalidInput('credentials.subnetId', 'The subnet ID looks like subnet-0123456789abcdef0.')
  return subnetId
}

interface Network {
  subnetId: string
  vpcId: string
}

/**
 * The account's subnet and its VPC when the subnet is in this region (one DescribeSubnets);
 * undefined otherwise: the region's default VPC and subnet are used.
 */
async function networkFor(api: Ec2Api, ctx: CloudContext, region: string, signal: AbortSignal): Promise<Network | undefined> {
  const subnetId = subnetOf(ctx)
  if (!subnetId) return undefined
  const vpcId = await api.subnetVpc(region, subnetId, signal)
  return vpcId ? { subnetId, vpcId } : undefined
}

async function createGroup(api: Ec2Api, region: string, spec: ProvisionSpec, network: Network | undefined, signal: AbortSignal): Promise<string> {
  const ports = spec.tunnel.mode === 'tcp' ? 'all TCP ports' : '8123, 80 and 443'
  try {
    // No VpcId (and no subnet of the account's in this region): the region's default VPC.
    // Without one AWS answers VPCIdNotSpecified, which ./errors.ts turns into a sentence saying
    // how to make one.
    return await api.createSecurityGroup(
      region,
      { name: securityGroupName(spec.hostId), description: `Exitdesk tunnel host ${spec.name}: ${ports}`.slice(0, 255), tags: [tagsFor('security-group', spec)], vpcId: network?.vpcId },
      signal,
    )
  } catch (error) {
    // A group of this name exists already: an earlier create of this host made it.
    if (providerCode(error) === 'InvalidGroup.Duplicate') {
      const found = await findOwnGroup(api, region, spec.tags.host, signal)
      if (found) return found
    }
    throw error
  }
}

async function findOwnGroup(api: Ec2Api, region: string, hostTag: string, signal: AbortSignal): Promise<string | undefined> {
  return (await findGroups(api, region, hostTag, signal))[0]
}

/** Ids of the security groups carrying the host's tag. */
async function findGroups(api: Ec2Api, region: string, hostTag: string, signal: AbortSignal): Promise<string[]> {
  const groups = await api.describeSecurityGroups(region, [{ Name: 'tag-key', Values: [hostTag] }], signal)
  return groups.map((group) => group.GroupId!)
}

/** Instances carrying the tag that still exist (not terminated), oldest first. */
async function instancesCarrying(api: Ec2Api, region: string, tag: string, signal: AbortSignal): Promise<Instance[]> {
  const instances = await api.describeInstances(
    region,
    {
      filters: [
        { Name: 'tag-key', Values: [tag] },
        { Name: 'instance-state-name', Values: [...LIVE_STATES] },
      ],
    },
    signal,
  )
  return instances.sort((a, b) => (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0) || a.InstanceId!.localeCompare(b.InstanceId!))
}

/** The instance by id; empty when EC2 does not know it (InvalidInstanceID.NotFound). */
async function describeById(api: Ec2Api, region: string, instanceId: string, signal: AbortSignal): Promise<Instance[]> {
  try {
    return await api.describeInstances(region, { instanceIds: [instanceId] }, signal)
  } catch (error) {
    if (error instanceof AppError && error.info.code === 'not-found') return []
    throw error
  }
}

export function runRequest(spec: ProvisionSpec, imageId: string, groupId: string, subnetId?: string) {
  const userData = Buffer.from(spec.userData, 'utf8')
  if (userData.length > MAX_USER_DATA_BYTES) {
    throw new AppError({ code: 'invalid-input', field: 'tunnel', message: `The cloud-init script is ${userData.length} bytes; EC2 accepts at most 16 KB.`, retryable: false })
  }
  return {
    ImageId: imageId,
    InstanceType: spec.plan as never,
    MinCount: 1,
    MaxCount: 1,
    ClientToken: clientToken(spec.hostId),
    UserData: userData.toString('base64'),
    // A public IPv4 on the primary interface, in the account's subnet or else a default subnet
    // of the default VPC, with the host's own group
    // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html).
    NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true, DeleteOnTermination: true, Groups: [groupId], ...(subnetId ? { SubnetId: subnetId } : {}) }],
    TagSpecifications: [tagsFor('instance', spec), tagsFor('volume', spec), tagsFor('network-interface', spec)],
    // IMDSv2 only (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html).
    MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const },
    // T instances launch "unlimited" by default on t3/t4g, billing extra CPU credits; "standard"
    // keeps the monthly cost what the plan says
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-performance-instances-standard-mode.html).
    ...(/^t\d/.test(spec.plan) ? { CreditSpecification: { CpuCredits: 'standard' } } : {}),
  }
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function hostTagsOf(locator: HostLocator): string[] {
  return locator.attached.filter((resource) => resource.kind === 'tag').map((resource) => resource.id)
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
