/**
 * What Exitdesk knows about AWS EC2 before it has a credential: the credential form, the
 * defaults, and the built-in region and plan lists. Regions are read live (DescribeRegions); EC2
 * has no price call (the Price List API is a separate, authenticated service), so the plans and
 * their monthly cost are this built-in list.
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'

/**
 * Hours in AWS's billing month: its pricing pages turn hourly prices into monthly ones with 730
 * hours (https://aws.amazon.com/ec2/pricing/on-demand/, "monthly" examples).
 */
export const HOURS_PER_MONTH = 730

/**
 * The public IPv4 every host needs: $0.005 per IP per hour since 2024-02-01, also for an
 * auto-assigned one (https://aws.amazon.com/vpc/pricing/ "Public IPv4 Address" and
 * https://aws.amazon.com/blogs/aws/new-aws-public-ipv4-address-charge-public-ip-insights/).
 */
export const PUBLIC_IPV4_USD_PER_HOUR = 0.005

/**
 * The root volume: Canonical's `ebs-gp3` images have an 8 GiB gp3 root volume
 * (https://documentation.ubuntu.com/aws/aws-how-to/instances/find-ubuntu-images/), billed at
 * $0.08 per GB-month in us-east-1 (https://aws.amazon.com/ebs/pricing/, gp3 storage).
 */
export const ROOT_VOLUME_GIB = 8
export const GP3_USD_PER_GIB_MONTH = 0.08

/** What every host costs besides its instance type, per month: the public IPv4 and the root volume. */
export const EXTRAS_USD_PER_MONTH = PUBLIC_IPV4_USD_PER_HOUR * HOURS_PER_MONTH + ROOT_VOLUME_GIB * GP3_USD_PER_GIB_MONTH

export type Architecture = 'arm64' | 'amd64'

interface InstanceType {
  id: string
  arch: Architecture
  vcpus: number
  memoryGiB: number
  /** On-demand Linux price in us-east-1, USD per hour. */
  usdPerHour: number
}

/**
 * On-demand Linux prices in us-east-1 (https://aws.amazon.com/ec2/pricing/on-demand/), as
 * ../shared/provider-facts.md copied them from a third-party mirror of the AWS price list dated
 * 2026-10-16; other regions cost a little more (eu-west-1 about 10 %).
 *
 * Why t4g.nano is the default: it is the cheapest type with a public IPv4 at $0.0042/h against
 * $0.0047/h (t3a.nano) and $0.0052/h (t3.nano); with the IPv4 and the disk, which cost the same
 * for all three, that is $7.36 against $7.72 and $8.09 a month. It is Graviton (arm64), which
 * the cloud-init script handles: it picks `inlets-pro-arm64` when `uname -m` says aarch64
 * (src/main/tunnel/userdata.ts), and the image is resolved for the type's architecture.
 * t3a.nano stays in the list for the regions without Graviton.
 */
const INSTANCE_TYPES: InstanceType[] = [
  { id: 't4g.nano', arch: 'arm64', vcpus: 2, memoryGiB: 0.5, usdPerHour: 0.0042 },
  { id: 't3a.nano', arch: 'amd64', vcpus: 2, memoryGiB: 0.5, usdPerHour: 0.0047 },
  { id: 't3.nano', arch: 'amd64', vcpus: 2, memoryGiB: 0.5, usdPerHour: 0.0052 },
  { id: 't4g.micro', arch: 'arm64', vcpus: 2, memoryGiB: 1, usdPerHour: 0.0084 },
  { id: 't3.micro', arch: 'amd64', vcpus: 2, memoryGiB: 1, usdPerHour: 0.0104 },
]

const round2 = (value: number): number => Math.round(value * 100) / 100

/** Monthly cost of a host of this type: instance, public IPv4 and root volume. */
export function monthlyCost(usdPerHour: number): number {
  return round2(usdPerHour * HOURS_PER_MONTH + EXTRAS_USD_PER_MONTH)
}

const PLANS: Plan[] = INSTANCE_TYPES.map((type) => ({
  id: type.id,
  label: `${type.id}: ${type.vcpus} vCPU, ${type.memoryGiB < 1 ? `${type.memoryGiB * 1024} MiB` : `${type.memoryGiB} GiB`} RAM, ${type.arch === 'arm64' ? 'Arm (Graviton)' : 'x86'}`,
  monthlyCostUsd: monthlyCost(type.usdPerHour),
  costNote: `$${round2(type.usdPerHour * HOURS_PER_MONTH).toFixed(2)} instance + $${round2(PUBLIC_IPV4_USD_PER_HOUR * HOURS_PER_MONTH).toFixed(2)} public IPv4 + $${round2(ROOT_VOLUME_GIB * GP3_USD_PER_GIB_MONTH).toFixed(2)} ${ROOT_VOLUME_GIB} GiB gp3 disk, us-east-1 on-demand prices`,
}))

/**
 * The CPU architecture of an instance type, which decides the image. Graviton families carry a
 * `g` right after the generation digit (t4g, m7g, c7gn, r8gd, x2gd, im4gn ...) and a1 was the
 * first Graviton (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html,
 * "Processor families": g = AWS Graviton). GPU families (g4dn, g5 ...) start with `g` and are x86.
 */
export function architectureOf(instanceType: string): Architecture {
  const known = INSTANCE_TYPES.find((type) => type.id === instanceType)
  if (known) return known.arch
  const family = instanceType.split('.')[0] ?? ''
  return family === 'a1' || /^[a-z]+\d+g[a-z]*$/.test(family) ? 'arm64' : 'amd64'
}

/**
 * Commercial regions enabled in every account (opt-in regions such as af-south-1 appear in the
 * live DescribeRegions answer only once the account enabled them). Names per
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 */
export const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'Europe (Ireland)',
  'eu-west-2': 'Europe (London)',
  'eu-west-3': 'Europe (Paris)',
  'eu-central-1': 'Europe (Frankfurt)',
  'eu-north-1': 'Europe (Stockholm)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'sa-east-1': 'South America (São Paulo)',
}

const REGIONS: Region[] = Object.entries(REGION_NAMES).map(([id, label]) => ({ id, label }))

/** The region label Exitdesk shows (the picker adds the code): AWS's name where known, else the code alone. */
export function regionLabel(id: string): string {
  return REGION_NAMES[id] ?? id
}

export const EC2_MANIFEST: CloudManifest = {
  id: 'ec2',
  label: 'AWS EC2',
  simulated: false,
  credentialFields: [
    {
      key: 'accessKeyId',
      label: 'Access key ID',
      kind: 'text',
      placeholder: 'AKIA…',
      help: 'an IAM access key allowed ec2:RunInstances, TerminateInstances, DescribeInstances, DescribeRegions, DescribeSubnets, CreateSecurityGroup, AuthorizeSecurityGroupIngress, DescribeSecurityGroups, DeleteSecurityGroup, CreateTags (for tags at launch) and ssm:GetParameter',
    },
    { key: 'secretAccessKey', label: 'Secret access key', kind: 'secret' },
    {
      key: 'sessionToken',
      label: 'Session token (optional)',
      kind: 'secret',
      optional: true,
      help: 'only for temporary credentials (ASIA… keys from STS or IAM Identity Center)',
    },
    {
      // For accounts whose region has no default VPC (inletsctl #74, inlets-operator #91): hosts
      // in the subnet's region go into it (and its VPC); other regions keep their default VPC.
      key: 'subnetId',
      label: 'Subnet ID (optional)',
      kind: 'text',
      optional: true,
      placeholder: 'subnet-…',
      help: 'only for a region without a default VPC: a subnet there whose route table reaches an internet gateway; hosts in that region are created in it',
    },
  ],
  supportsEndpoint: true,
  // No default endpoint: the SDK picks ec2.<region>.amazonaws.com (and sts., ssm.) for each
  // call's region. An account's endpoint override (tests, a VPC endpoint) is used for all three.
  defaultRegion: 'us-east-1',
  defaultPlan: 't4g.nano',
  image: {
    // Resolved per region and architecture from Canonical's public SSM parameter, never a name
    // filter that anyone could publish an image under (see ./images.ts).
    id: 'ubuntu-24.04-lts',
    label: 'Ubuntu 24.04 LTS (Canonical)',
    link: 'https://documentation.ubuntu.com/aws/aws-how-to/instances/find-ubuntu-images/',
  },
  // No publicIpv4MetadataUrl: Exitdesk requires IMDSv2 (MetadataOptions.HttpTokens=required),
  // which answers only after a PUT for a session token; the script's plain GET would be refused,
  // so the VM asks the outside IPv4 service instead.
  regions: REGIONS,
  plans: PLANS,
  nameRule: {
    // The name goes into the `Name` tag (any 256 Unicode characters,
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions) and
    // into the hostname-like inlets name, so it follows the DNS-friendly rule of the other clouds.
    pattern: '[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?',
    maxLength: 255,
    description: 'letters, digits, dots and dashes, starting and ending with a letter or digit, at most 255 characters',
  },
  capabilities: { httpsFirewall: true, ipv6: false, listScope: 'region' },
  identity: {
    label: 'AWS account',
    // The 12-digit account id: the same for every user, role and key of the account, never an
    // ARN's user name. GetCallerIdentity needs no IAM permission.
    description: 'the 12-digit account id that STS GetCallerIdentity reports for the key',
    source: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html',
  },
  links: { console: 'https://console.aws.amazon.com/ec2/', docs: 'https://docs.aws.amazon.com/ec2/' },
  rateLimits: {
    // EC2 throttles per account and region with token buckets
    // (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): non-mutating
    // calls (Describe*) a bucket of 100 refilled at 20/s, mutating calls (RunInstances,
    // TerminateInstances, CreateSecurityGroup ...) 200 refilled at 5/s, and RunInstances a
    // resource bucket of 1,000 instances refilled at 2/s. As rolling windows the one budget
    // stays inside the tightest of them: at most 100 requests in any second (the Describe*
    // bucket), and 500 in any minute (the mutating bucket: 200 + 60 × 5). A throttled call
    // answers RequestLimitExceeded (HTTP 503, no rate-limit headers); the adapter tells the
    // budget so the whole account pauses.
    windows: [
      { requests: 100, perSeconds: 1 },
      { requests: 500, perSeconds: 60 },
    ],
    source: 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html',
  },
}
