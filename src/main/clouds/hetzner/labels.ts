/**
 * How Exitdesk's tags become Hetzner labels, and how a list finds them.
 *
 * Labels are key/value pairs; a value may be empty, and the label selector `k` matches every
 * resource that has the key `k` ("Labels" and "Label Selector" in the API description,
 * https://docs.hetzner.cloud/#labels). So each tag becomes a key with an empty value:
 *   the app tag  "exitdesk"               -> { "exitdesk": "" }
 *   a host tag   "exitdesk-host-<uuid>"   -> { "exitdesk-host-<uuid>": "" }
 * and one `GET /servers?label_selector=exitdesk` lists every host, `…=exitdesk-host-<uuid>` one.
 *
 * Key rule (same page): an optional DNS-subdomain prefix and `/`, then a name of at most 63
 * characters, starting and ending with [a-zA-Z0-9], with `-`, `_`, `.` between; the prefix
 * `hetzner.cloud/` is reserved. The host tag is 14 + 36 = 50 characters.
 */
import { invalidInput } from '../../../shared/errors'
import type { HostTags } from '../types'

const KEY_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/

/** The label key a tag is stored under (the tag itself), checked against Hetzner's rule. */
export function labelKey(tag: string): string {
  if (!KEY_NAME.test(tag)) {
    throw invalidInput('tags', `"${tag.slice(0, 63)}" cannot be a Hetzner Cloud label key (letters, digits, "-", "_" and ".", starting and ending with a letter or digit, at most 63).`)
  }
  return tag
}

/** The labels a new server or firewall carries. */
export function labelsFor(tags: HostTags): Record<string, string> {
  return { [labelKey(tags.app)]: '', [labelKey(tags.host)]: '' }
}

/** `label_selector` for "has this tag": the bare key. */
export function hasLabel(tag: string): string {
  return labelKey(tag)
}

/** A resource's labels as Exitdesk tags: empty-valued keys are tags, others `key=value`. */
export function tagsFromLabels(labels: Record<string, string> | null | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, value]) => (value === '' ? key : `${key}=${value}`))
}
