/**
 * How Exitdesk's tags become GCE labels, network tags and names, under GCE's rules.
 *
 * Labels (https://cloud.google.com/compute/docs/labeling-resources#requirements): keys and
 * values at most 63 characters of lower-case letters, digits, `_` and `-`; keys start with a
 * letter; values may be empty. A tag is a single word, while a label is a key and a value, so:
 *   the app tag  "exitdesk"                  -> exitdesk_app = exitdesk
 *   a host tag   "exitdesk-host-<uuid>"      -> exitdesk_host = exitdesk-host-<uuid>
 * Keys use `_` so a list filter `labels.exitdesk_host = "…"` names them without quoting.
 *
 * Network tags (`tags.items`) and resource names are RFC 1035 labels
 * ([a-z]([-a-z0-9]*[a-z0-9])?, at most 63): the host tag is one already (14 + 36 characters),
 * so it is the instance's network tag *and* the name of its firewall rule, both unique to the host.
 */
import { createHash } from 'node:crypto'
import { invalidInput } from '../../../shared/errors'
import { HOST_TAG_PREFIX } from '../../hosts/tags'
import type { HostTags } from '../types'

export const APP_LABEL = 'exitdesk_app'
export const HOST_LABEL = 'exitdesk_host'

const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/
const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/

/** The label key a tag is stored under. */
export function labelKeyFor(tag: string): string {
  return tag.startsWith(HOST_TAG_PREFIX) ? HOST_LABEL : APP_LABEL
}

export function checkLabelValue(tag: string): string {
  if (!LABEL_VALUE.test(tag)) throw invalidInput('tags', `"${tag.slice(0, 63)}" cannot be a Google Compute Engine label value (lower-case letters, digits, _ and -, at most 63).`)
  return tag
}

export function checkRfc1035(name: string, what: string): string {
  if (!RFC1035.test(name)) throw invalidInput('tags', `"${name.slice(0, 63)}" cannot be a Google Compute Engine ${what} (lower-case letters, digits and dashes, starting with a letter, at most 63).`)
  return name
}

/** The labels a new instance carries. */
export function labelsFor(tags: HostTags): Record<string, string> {
  return { [APP_LABEL]: checkLabelValue(tags.app), [HOST_LABEL]: checkLabelValue(tags.host) }
}

/** The aggregatedList filter for one tag (AIP-160 form, documented on `filter` in compute.v1.discovery.json). */
export function labelFilter(tag: string): string {
  return `labels.${labelKeyFor(tag)} = "${checkLabelValue(tag)}"`
}

/** An instance's labels as Exitdesk tags: ours back as the tags they came from, others as key=value. */
export function tagsFromLabels(labels: Record<string, string> | null | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, value]) => (key === APP_LABEL || key === HOST_LABEL ? value : value ? `${key}=${value}` : key))
}

/** The firewall rule and network tag of one host: its host tag, an RFC 1035 name unique to it. */
export function firewallNameFor(hostTag: string): string {
  return checkRfc1035(hostTag, 'firewall rule name')
}

/**
 * The instance insert's `requestId`: a UUID (the API refuses anything else, and the zero UUID)
 * that is the same for every try of one host's create, so GCE itself ignores a repeat
 * (`requestId` on instances.insert in compute.v1.discovery.json). Derived as a name-based
 * (version 5 style, SHA-1) UUID from the host id, so a restart derives the same one.
 */
export function requestIdFor(hostId: string, step: string): string {
  const hash = createHash('sha1').update(`exitdesk:gce:${step}:${hostId}`).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
