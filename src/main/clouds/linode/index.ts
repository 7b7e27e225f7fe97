/**
 * The Linode (Akamai Cloud) adapter: a Linode for each exit server, with a Cloud Firewall of
 * its own in both tunnel modes.
 *
 * Every method makes one to three quick API calls and returns; nothing here waits for a
 * Linode to boot or to disappear. Multi-step work is driven by the host service calling again
 * with the recorded `locator` and `progress`.
 *
 * Create:   [find by label | POST /v4/networking/firewalls]                     -> 'firewall-created'
 *           [find by host tag (X-Filter) | POST /v4/linode/instances with
 *            firewall_id, metadata.user_data, tags]                              -> done
 *           A `fresh` step (the first try for a host just created) skips the look-ups:
 *           two round trips in all.
 * Teardown: DELETE /v4/linode/instances/{id}                                     -> 'instance-delete-requested'
 *           GET /v4/linode/instances/{id} until 404                              -> 'instance-gone'
 *           GET /v4/networking/firewalls (its own, recorded or not) and
 *           GET /v4/linode/instances X-Filter {"tags": <host tag>}: another
 *           Linode carrying the tag (a duplicate from a late create) goes first   -> 'removing-attached'
 *           DELETE one firewall a call, then the host's own tag                  -> done
 *
 * Why a firewall in TCP mode too: a Linode with no firewall is open to everything, and an
 * account may name a *default* firewall that Linode attaches to every new Linode created without
 * one ("If a firewall isn't provided during service creation, a default firewall is assigned",
 * https://techdocs.akamai.com/linode-api/reference/put-firewall-settings-2, the firewall
 * settings of GET /v4/networking/firewalls/settings). Such a default is the account owner's
 * policy for other machines (often inbound DROP with ssh only) and would silently close the
 * tunnel's ports. Passing the host's own `firewall_id` at create means the default is never
 * assigned — a Linode has one firewall at a time — so the rules that apply are exactly the
 * host's: TCP mode accepts every TCP port, HTTPS mode 8123, 80 and 443, and both drop the rest.
 *
 * Linode has no idempotency key for creates. A create whose outcome is unknown is looked up by
 * the firewall's unique label or the host's tag with `lookupOnly` until the host service's
 * late-processing window has passed; nothing is created blind.
 */
import { LINODE_CONSOLE } from './console'
import { randomInt } from 'node:crypto'
import type { Catalog, HostLocator, Plan } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import { HOST_TAG_PREFIX } from '../../hosts/tags'
import { redactor } from '../../redact'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { LinodeClient, type LinodeAccount, type LinodeFirewallCreate, type LinodeFirewallRule, type LinodeInstance, type LinodeInstanceCreate, type LinodeRegion, type LinodeType } from './client'
import { LINODE_MANIFEST } from './manifest'
import { linodeState } from './state'

export { LINODE_MANIFEST } from './manifest'
export { linodeState, LINODE_STATES } from './state'

export interface LinodeProvisionerOptions {
  /** Per-request deadline; the RestClient default (15 s) when absent. */
  timeoutMs?: number
  /** Bound on pages one list call follows. */
  maxPages?: number
  /** Pages of one list asked for at the same time (1 reads page after page). */
  pageConcurrency?: number
}

/** Ports an HTTPS tunnel needs: inlets control plane, ACME HTTP-01 challenge and HTTPS. */
export const HTTPS_PORTS = [
  { ports: '8123', label: 'inlets-control' },
  { ports: '80', label: 'acme-http-01' },
  { ports: '443', label: 'https' },
] as const
const EVERYWHERE = { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] }
/** "The unencoded data must not exceed 65,535 bytes" (`metadata.user_data`, POST /linode/instances). */
export const USER_DATA_MAX_BYTES = 65_535

export const PROGRESS = {
  firewallCreated: 'firewall-created',
  instanceCreated: 'instance-created',
  instanceDeleteRequested: 'instance-delete-requested',
  instanceGone: 'instance-gone',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

export function createLinodeProvisioner(options: LinodeProvisionerOptions = {}): Provisioner {
  const clientFor = (ctx: CloudContext): LinodeClient =>
    new LinodeClient({
      endpoint: ctx.endpoint,
      token: ctx.credentials.token ?? '',
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
      pageConcurrency: options.pageConcurrency,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
      budgetWindowRequests: LINODE_MANIFEST.rateLimits?.windows[0]?.requests,
    })

  return {
    manifest: LINODE_MANIFEST,
    console: LINODE_CONSOLE,

    async verify(ctx, signal) {
      return accountIdentity(await clientFor(ctx).getAccount(signal))
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = clientFor(ctx)
      const image = LINODE_MANIFEST.image.id
      const [regions, types, images] = await Promise.all([
        client.listRegions(signal),
        client.listTypes(signal),
        // One filtered read to confirm the image is still offered (list images: 20 a minute;
        // the catalogue is cached for ten minutes per account).
        client.listImages({ id: image }, signal).catch(() => undefined),
      ])
      const open = regions.filter(usableRegion)
      const openIds = new Set(open.map((region) => region.id))
      const plans: Plan[] = types
        .filter((type) => typeof type.price.monthly === 'number' && type.price.monthly > 0)
        .map((type) => planOf(type, openIds))
        .sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
      const listed = images?.find((candidate) => candidate.id === image)
      const note =
        images === undefined
          ? undefined
          : !listed
            ? `Linode does not list the image ${image} for this account; creating a host may fail.`
            : listed.deprecated
              ? `Linode marks the image ${image} as deprecated.`
              : undefined
      return {
        regions: open.map((region) => ({ id: region.id, label: region.label })).sort((a, b) => a.label.localeCompare(b.label)),
        plans,
        source: 'live',
        ...(note ? { note } : {}),
      }
    },

    async provision(ctx, spec, locator, _progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      recordHostTag(next, spec.tags.host)

      const firewall = next.attached.find((resource) => resource.kind === 'firewall')
      if (!firewall) {
        // Firewall labels are unique per account: one made by an earlier call whose answer was
        // lost is found by its label, not made twice (a fresh step has nothing to find).
        const label = firewallLabel(spec.hostId)
        const existing = spec.fresh ? undefined : (await client.listFirewalls({ label }, signal)).find((candidate) => candidate.label === label)
        if (!existing && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Linode to show whether it made the firewall' }
        const made = existing ?? (await client.createFirewall(firewallRequest(spec), signal))
        next.attached.push({ kind: 'firewall', id: String(made.id) })
        return { done: false, locator: next, progress: PROGRESS.firewallCreated, waitingFor: 'the Linode to be created' }
      }

      // The host tag is unique to this host: a Linode carrying it is one an earlier, interrupted
      // call already created, so it is adopted instead of paying for two. Several (a late
      // create) means duplicates: the oldest is the host, the refresh removes the rest.
      const found = spec.fresh ? [] : await client.listInstances(spec.tags.host, signal)
      const oldest = found.sort((a, b) => a.id - b.id)[0]
      if (!oldest && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Linode to show whether it made the Linode' }
      const instance = oldest ?? (await client.createInstance(instanceRequest(spec, Number(firewall.id)), signal))
      next.instanceId = String(instance.id)
      return { done: true, locator: next, progress: PROGRESS.instanceCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const instance = await clientFor(ctx).getInstance(locator.instanceId, signal)
      return instance ? observe(instance) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId && progress !== PROGRESS.instanceGone && progress !== PROGRESS.removingAttached) {
        const stillThere =
          progress === PROGRESS.instanceDeleteRequested
            ? (await client.getInstance(next.instanceId, signal)) !== null
            : await client.deleteInstance(next.instanceId, signal)
        if (stillThere) return { done: false, locator: next, progress: PROGRESS.instanceDeleteRequested, waitingFor: 'the Linode to disappear', instancePresent: true }
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'its firewall to be removed' }
      }
      if (progress !== PROGRESS.removingAttached) {
        // The Linode is gone (or was never created). Everything made for the host is looked up,
        // recorded or not; and nothing goes while another Linode still carries the host's tag
        // (a duplicate from a create carried out late): it was created with the same
        // firewall_id, so the firewall protects it, and removing the tag would hide it.
        // Both look-ups at once: one round trip instead of two.
        const [, carrying] = await Promise.all([findUnrecordedFirewalls(client, next, signal), instancesCarrying(client, hostTagsOf(next), signal)])
        const carriers = carrying.filter((id) => id !== next.instanceId)
        if (carriers.length > 0) {
          return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `Linode ${carriers.join(', ')}, which carries this host's tag, to be deleted first` }
        }
      }
      // One resource a call: the firewalls, then the tag. A 404 means an earlier call removed it.
      const resource = next.attached.find((attached) => attached.kind === 'firewall') ?? next.attached.find((attached) => attached.kind === 'tag')
      if (!resource) return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
      await (resource.kind === 'firewall' ? client.deleteFirewall(resource.id, signal) : client.deleteTag(resource.id, signal))
      next.attached = next.attached.filter((kept) => !(kept.kind === resource.kind && kept.id === resource.id))
      if (next.attached.some((attached) => attached.kind === 'firewall' || attached.kind === 'tag')) {
        return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: 'its firewall and tag to be removed' }
      }
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    listScopes() {
      // GET /v4/linode/instances covers every region of the account in one (paginated) call.
      return ['account']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      return clientFor(ctx).listInstances(tag, signal, observe)
    },
  }
}

/**
 * Which Linode account a token acts in: `euuid`, "an external unique identifier for this
 * account" (GET /v4/account). The e-mail belongs to the account's contact and can change; the
 * name shown is the company, else the contact's name, with the e-mail.
 */
export function accountIdentity(account: LinodeAccount): AccountIdentity {
  const person = [account.first_name, account.last_name].filter((part) => part && part.trim()).join(' ')
  const name = account.company?.trim() || person || `account ${account.euuid.slice(0, 8)}`
  return { identity: `account:${account.euuid}`, accountName: account.email ? `${name} (${account.email})` : name }
}

export function observe(instance: LinodeInstance): Observation {
  return {
    instanceId: String(instance.id),
    name: instance.label,
    region: instance.region,
    plan: instance.type ?? undefined,
    state: linodeState(instance.status),
    rawStatus: instance.status,
    ipv4: instance.ipv4.find((address) => typeof address === 'string' && !isPrivateIpv4(address)),
    ipv6: instance.ipv6 ? instance.ipv6.split('/')[0] : undefined,
    createdAt: instance.created,
    tags: instance.tags,
  }
}

/**
 * Firewall labels: 3 to 32 characters, starting with a letter, never two dashes, underscores
 * or dots in a row, and unique per account (the Firewall object in the spec). The host id's
 * letters and digits (a UUID's 32 hex digits) are cut to fit: 23 hex digits are 92 random bits.
 */
export function firewallLabel(hostId: string): string {
  const safe = hostId.replace(/[^a-zA-Z0-9]+/g, '')
  return `exitdesk-${safe.slice(0, 23) || 'host'}`
}

/**
 * Inbound: HTTPS mode accepts 8123, 80 and 443 over TCP, TCP mode every TCP port (the client
 * decides which it uses); everything else inbound is dropped. Outbound is open (the server
 * downloads inlets-pro and asks Let's Encrypt for certificates).
 */
export function firewallRequest(spec: ProvisionSpec): LinodeFirewallCreate {
  const accept = (ports: string, label: string, description: string): LinodeFirewallRule => ({ action: 'ACCEPT', protocol: 'TCP', ports, addresses: { ipv4: [...EVERYWHERE.ipv4], ipv6: [...EVERYWHERE.ipv6] }, label, description })
  const inbound =
    spec.tunnel.mode === 'https'
      ? HTTPS_PORTS.map(({ ports, label }) => accept(ports, label, `inlets HTTPS tunnel: TCP ${ports}`))
      : // "Ports must be within 1 and 65535" (the rule's `ports` in the spec).
        [accept('1-65535', 'all-tcp', 'inlets TCP tunnel: every TCP port')]
  return {
    label: firewallLabel(spec.hostId),
    rules: { inbound_policy: 'DROP', outbound_policy: 'ACCEPT', inbound, outbound: [] },
    tags: [spec.tags.app, spec.tags.host],
  }
}

/**
 * The instance create body. The cloud-init script goes in `metadata.user_data` (base64), read
 * by cloud-init from Linode's Metadata service at first boot — not in a StackScript, which
 * would be a second resource holding the tunnel token in the account for anyone with
 * StackScript access to read. `root_pass` is required when deploying an image: a strong random
 * one is made for each create and used only in this request body. It is never stored, never
 * logged and never shown (the host is managed through cloud-init, not by logging in); it is
 * registered with the redactor so an error that echoes the body cannot carry it out.
 */
export function instanceRequest(spec: ProvisionSpec, firewallId: number): LinodeInstanceCreate {
  const bytes = Buffer.byteLength(spec.userData, 'utf8')
  if (bytes > USER_DATA_MAX_BYTES) {
    throw new AppError({ code: 'invalid-input', field: 'userData', message: `The cloud-init script is ${bytes} bytes; Linode accepts at most ${USER_DATA_MAX_BYTES}.`, retryable: false })
  }
  const rootPass = rootPassword()
  redactor.remember(rootPass)
  return {
    label: spec.name,
    region: spec.region,
    type: spec.plan,
    image: LINODE_MANIFEST.image.id,
    root_pass: rootPass,
    metadata: { user_data: Buffer.from(spec.userData, 'utf8').toString('base64') },
    firewall_id: firewallId,
    tags: [spec.tags.app, spec.tags.host],
    booted: true,
  }
}

const PASSWORD_CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!@#%^*-_=+.']
const PASSWORD_ALPHABET = PASSWORD_CLASSES.join('')

/**
 * 40 characters from 77 with every class present (about 250 bits): well above Linode's
 * "password strength score requirement" and inside its 7 to 128 characters (`root_pass`).
 */
export function rootPassword(length = 40): string {
  for (;;) {
    const password = Array.from({ length }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('')
    if (PASSWORD_CLASSES.every((characters) => [...password].some((character) => characters.includes(character)))) return password
  }
}

/** Linode's private IPv4 range is 192.168.128.0/17; the others are never public either. */
function isPrivateIpv4(address: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|169\.254\.)/.test(address)
}

/** A region a tunnel host can use: Linodes, Cloud Firewalls and the Metadata service (user data), in a core site. */
function usableRegion(region: LinodeRegion): boolean {
  const has = (capability: string): boolean => region.capabilities.includes(capability)
  return has('Linodes') && has('Cloud Firewall') && has('Metadata') && (region.site_type === undefined || region.site_type === 'core')
}

function planOf(type: LinodeType, openIds: Set<string>): Plan {
  const base = type.price.monthly!
  const others = (type.region_prices ?? []).filter((price) => openIds.has(price.id) && typeof price.monthly === 'number' && price.monthly !== base)
  const memory = type.memory >= 1024 ? `${type.memory / 1024} GB` : `${type.memory} MB`
  const disk = type.disk >= 1024 ? `${Math.round(type.disk / 1024)} GB` : `${type.disk} MB`
  return {
    id: type.id,
    label: `${type.label}: ${type.vcpus} vCPU, ${memory} RAM, ${disk} storage`,
    monthlyCostUsd: base,
    ...(others.length > 0 ? { costNote: `${others.map((price) => `$${price.monthly!.toFixed(2)}/mo in ${price.id}`).join(', ')}` } : {}),
  }
}

/**
 * Every firewall made for the host, recorded or not: one carrying its tag or its label was made
 * for it — by a create whose answer was lost, or before the ledger was lost. One list call.
 */
async function findUnrecordedFirewalls(client: LinodeClient, locator: HostLocator, signal: AbortSignal): Promise<void> {
  const hostTags = hostTagsOf(locator)
  if (hostTags.length === 0) return
  const labels = hostTags.filter((tag) => tag.startsWith(HOST_TAG_PREFIX)).map((tag) => firewallLabel(tag.slice(HOST_TAG_PREFIX.length)))
  const filter = { '+or': [...labels.map((label) => ({ label })), ...hostTags.map((tag) => ({ tags: tag }))] }
  for (const firewall of await client.listFirewalls(filter, signal)) {
    // Checked here too: a filter Linode ignored must not make another host's firewall ours.
    const ours = firewall.tags?.some((tag) => hostTags.includes(tag)) || labels.includes(firewall.label)
    const id = String(firewall.id)
    if (ours && !locator.attached.some((resource) => resource.kind === 'firewall' && resource.id === id)) locator.attached.push({ kind: 'firewall', id })
  }
}

function hostTagsOf(locator: HostLocator): string[] {
  return locator.attached.filter((resource) => resource.kind === 'tag').map((resource) => resource.id)
}

/** Ids of Linodes still carrying any of these tags (one list call per tag; none when there is no tag). */
async function instancesCarrying(client: LinodeClient, tags: string[], signal: AbortSignal): Promise<string[]> {
  const ids: string[] = []
  for (const tag of tags) for (const instance of await client.listInstances(tag, signal)) ids.push(String(instance.id))
  return ids
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
