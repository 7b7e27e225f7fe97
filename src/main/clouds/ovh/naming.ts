/**
 * OVH Public Cloud instances have no tags or labels in OVH's API (cloud.instance.Instance has
 * none; provider-facts.md section 9), so Exitdesk's tags live in the instance name:
 *
 *   "<host tag>.<host name>"   e.g. "exitdesk-host-6f1c…-….calm-otter"
 *
 * The host tag is unique to the host, so a create whose answer was lost is found by its name
 * prefix instead of being sent again; every Exitdesk host's name starts with "<app tag>-host-",
 * so one GET /cloud/project/{serviceName}/instance (the whole project, no pagination) filtered by
 * that prefix lists them all. An instance someone named that way by hand is taken for one of
 * Exitdesk's (shown as "found in cloud"): the prefix is documented in the README.
 */
import { invalidInput } from '../../../shared/errors'
import type { HostTags } from '../types'

/** Host tags are "<app>-host-<id>" (src/main/hosts/tags.ts); the id never contains a dot. */
const HOST_TAG = /^([a-z0-9]+)-host-[A-Za-z0-9-]+$/

export function instanceName(tags: HostTags, name: string): string {
  const match = HOST_TAG.exec(tags.host)
  if (!match || match[1] !== tags.app) throw invalidInput('tags', `"${tags.host.slice(0, 60)}" cannot start an OVHcloud instance name.`)
  return `${tags.host}.${name}`
}

/** The tags an instance name carries: the app tag and the host tag, or none for a name Exitdesk did not give. */
export function tagsFromName(name: string): string[] {
  const dot = name.indexOf('.')
  const head = dot < 0 ? '' : name.slice(0, dot)
  const match = HOST_TAG.exec(head)
  return match ? [match[1]!, head] : []
}

/** The host's own name (after the host tag), or the whole name when Exitdesk did not give it. */
export function displayName(name: string): string {
  return tagsFromName(name).length > 0 ? name.slice(name.indexOf('.') + 1) : name
}

/** Whether an instance carries `tag`: the host tag exactly, or the app tag. */
export function carriesTag(name: string, tag: string): boolean {
  return tagsFromName(name).includes(tag)
}
