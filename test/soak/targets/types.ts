/**
 * What the soak (test/soak/driver.ts `cloudTarget`) and the SIGKILL test (test/soak/sigkill.test.ts)
 * need from one cloud, so that both run unchanged for every cloud: its stateful fake started on
 * the shared fake clock, the fault proxy in front of it speaking that provider's error shapes,
 * the account input, a region and plan, what is in the cloud now (to count duplicates and
 * leftovers), and the kill points of its create and teardown. One module per cloud in this folder.
 */
import type { Provisioner } from '../../../src/main/clouds/types'
import type { CloudId } from '../../../src/shared/domain'
import type { FaultProxy, FaultProxyOptions, ProxiedRequest } from '../../support/fault-proxy'
import type { FakeClock } from '../../support/harness'

export type TargetCloud = Extract<CloudId, 'digitalocean' | 'ec2' | 'gce' | 'azure' | 'hetzner' | 'linode' | 'vultr' | 'scaleway' | 'ovh' | 'civo'>

export interface Leftovers {
  /** Instances (droplets, servers, VMs, Linodes) still in the cloud. */
  instances: number
  /** Firewalls, security groups, firewall rules, NSGs made for a host. */
  firewalls: number
  /** Per-host tags still in the cloud (the shared app tag is not counted). */
  tags: number
  /** Anything else made for a host: addresses, disks, NICs, VNets, resource groups (test/clouds/azure-soak.test.ts counts them in `tags`). */
  others?: number
  /** What exactly, for the report (each line names the host it was made for where it can). */
  detail: string[]
}

/** One instance in the cloud: its provider id and the host it was made for (from its per-host tag or label). */
export interface CloudInstance {
  id: string
  host?: string
}

export interface KillPoint {
  name: string
  mode: 'tcp' | 'https'
  phase: 'create' | 'teardown'
  when: 'before' | 'after'
  matches: (request: ProxiedRequest) => boolean
}

export interface CloudFixture {
  cloud: TargetCloud
  region: string
  plan: string
  proxy: FaultProxy
  /** `accounts:add` input; the endpoint is the proxy. */
  account: { cloud: CloudId; label: string; endpoint: string; credentials: Record<string, string> }
  /** What `provisioner()` needs beyond the deadline (a static token, a CA file), as environment for the SIGKILL child. */
  env: Record<string, string>
  /** Everything instance-like in the cloud now, including those being deleted (read from the fake's state: no request). */
  instances(): CloudInstance[]
  /** Every firewall, security group or NSG in the cloud now, with the host it was made for (from the fake's state). */
  firewalls(): CloudInstance[]
  /**
   * Instances made per host tag, from the fake's own request log, where it tells (DigitalOcean:
   * each 202 to POST /v2/droplets made one). Counted besides what `instances()` shows over time.
   */
  made?(): Map<string, number>
  /** What is left, after letting the fake apply the passage of its time. */
  leftovers(): Promise<Leftovers>
  /** 429s the fake itself answered (the app over a limit the fake enforces), not injected ones. */
  providerRateLimited(): number
  /** Which of the provider's documented limits the fake enforces, for the report line. */
  limitsEnforced: string
  /**
   * Where requests are signed over what is sent (OVHcloud: the URL, the body and a timestamp),
   * the requests the fake refused for their signature: `altered` ones no longer matched what the
   * client signed (the proxy changed them on the way: must stay 0), `stale` ones arrived after
   * the API's timestamp tolerance (a late request landing: refused as the provider would).
   */
  signatureRefusals?(): { altered: number; stale: number }
  close(): Promise<void>
}

export interface StartOptions {
  seed: number
  clock: FakeClock
  /** The SIGKILL test's hook: kill the app at a chosen request. */
  intercept?: FaultProxyOptions['intercept']
  /** The proxy's fault weights (default: every kind alike). */
  weights?: FaultProxyOptions['weights']
}

export interface CloudModule {
  cloud: TargetCloud
  start(options: StartOptions): Promise<CloudFixture>
  /** The adapter, with a per-request deadline, and the fixture's `env` (in the soak) or the child's environment. */
  provisioner(options: { timeoutMs: number; env: Record<string, string | undefined> }): Provisioner
  /** The adapter's per-request deadline in the soak (real ms): held and late faults wait this long. */
  soakTimeoutMs: number
  /** The fixed SIGKILL points that matter for this cloud. */
  killPoints: KillPoint[]
  /** Requests that change something (random kills hit these 7 times in 10). */
  changes(request: ProxiedRequest): boolean
  /**
   * Why this cloud makes no firewall or security group for a host (OVHcloud: its API has none),
   * where that is so: test/soak/targets.test.ts then checks that none is counted for a host
   * instead of at least one.
   */
  noFirewall?: string
  /**
   * What else one host makes, counted in `Leftovers.others` while it lives (Scaleway: a flexible
   * IP and a local volume; Civo: its public IP), where the target counts such things:
   * test/soak/targets.test.ts checks that exactly this many are seen for a living host.
   */
  othersPerHost?: number
}

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g

/** The host ids named in some text: tags, labels and names carry the host id (`exitdesk-host-<uuid>`, `exitdesk-<uuid>`). */
export function hostIdsIn(text: string): string[] {
  return [...text.matchAll(UUID)].map((match) => match[1]!)
}

/** The host id of the first `exitdesk-host-<uuid>` among some tags, labels or keys. */
export function hostOf(values: Iterable<string>): string | undefined {
  for (const value of values) {
    const [id] = hostIdsIn(value)
    if (id) return id
  }
  return undefined
}

/** A GET straight to the fake (not through the proxy): fakes apply the passage of their time on a request. */
export async function touch(url: string, headers: Record<string, string>): Promise<void> {
  await fetch(url, { headers }).then((response) => response.arrayBuffer()).catch(() => undefined)
}

/** Form field of an EC2/STS Query request, or its JSON-protocol target (SSM). */
export function actionOf(request: ProxiedRequest): string | undefined {
  const body = request.body as Record<string, string> | undefined
  return body?.Action ?? (typeof request.headers?.['x-amz-target'] === 'string' ? request.headers['x-amz-target'] : undefined)
}

export const isChange = (request: ProxiedRequest): boolean => request.method !== 'GET'
