/**
 * What the host details panel shows beyond the table row (`hosts:details`): what Exitdesk made
 * in the cloud for the host, each with the provider's word for it and a link into its console
 * (the cloud's own ./clouds/<cloud>/console.ts), the instance's tags, the image and the timeline.
 * Nothing secret: the envelope passes the redactor like every other (../dispatch.ts).
 */
import type { HostDetails, HostResource } from '../../shared/contract'
import type { Host } from '../../shared/domain'
import type { CloudConsole, ConsoleHost, ConsoleResourceKind, Provisioner } from '../clouds/types'
import type { Redactor } from '../redact'
import type { HostRecord } from '../store/records'
import { APP_TAG, hostTag } from './tags'

/** Generic words for a cloud that names none of its own. */
const GENERIC_LABELS: Record<ConsoleResourceKind, string> = {
  instance: 'Instance',
  firewall: 'Firewall',
  'security-group': 'Security group',
  'public-ip': 'Public IP',
  'network-interface': 'Network interface',
  disk: 'Disk',
  tag: 'Tag',
  'ip-address': 'Public IPv4 address',
}

export function resourceLabel(console: CloudConsole | undefined, kind: ConsoleResourceKind): string {
  return console?.labels[kind] ?? GENERIC_LABELS[kind]
}

export interface DetailsInput {
  record: HostRecord
  /** The host as `hosts:list` shows it (readiness included). */
  host: Host
  provisioner: Provisioner | undefined
  /** The values of the cloud's `credentialKeys`, or {} when they could not be read. */
  credentials: Readonly<Record<string, string>>
  /** A link that the redactor would change carries a secret: it is replaced by the fallback page. */
  redactor: Redactor
}

export function hostDetails({ record, host, provisioner, credentials, redactor }: DetailsInput): HostDetails {
  const console = provisioner?.console
  const target: ConsoleHost = { name: record.name, region: record.region, locator: record.locator, credentials }
  const link = (kind: ConsoleResourceKind, id: string): string | undefined => {
    const url = console?.consoleUrl({ kind, id }, target)
    if (url === undefined) return undefined
    // A deep link holding a redacted value would reach the window as "[redacted]" and lead nowhere.
    if (redactor.redactText(url) !== url) return console?.fallbackUrl
    return url
  }
  const resource = (kind: ConsoleResourceKind, id: string): HostResource => {
    const consoleUrl = link(kind, id)
    return { kind, id, label: resourceLabel(console, kind), ...(consoleUrl ? { consoleUrl } : {}) }
  }
  const resources: HostResource[] = []
  if (record.locator.instanceId) resources.push(resource('instance', record.locator.instanceId))
  for (const attached of record.locator.attached) resources.push(resource(attached.kind, attached.id))
  if (record.ipv4) resources.push(resource('ip-address', record.ipv4))
  // A host found in the cloud without a per-host tag (made by another tool or an old version) carries only the app tag.
  const ownTag = !record.discovered || record.locator.attached.some((attached) => attached.kind === 'tag' && attached.id === hostTag(record.id))
  const tags = !ownTag ? [APP_TAG] : console ? console.instanceTags({ app: APP_TAG, host: hostTag(record.id) }, target) : [APP_TAG, hostTag(record.id)]
  return {
    host,
    resources,
    tags,
    timeline: [...(record.timeline ?? [])],
    ...(provisioner ? { image: provisioner.manifest.image.label } : {}),
  }
}
