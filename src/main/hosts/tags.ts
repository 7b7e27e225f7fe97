/** Every host Exitdesk creates carries the app tag (one list call per scope finds them all) and a tag of its own. */
export const APP_TAG = 'exitdesk'

export const HOST_TAG_PREFIX = 'exitdesk-host-'

/** Unique to one host: lets a create whose answer was lost be found instead of repeated. */
export const hostTag = (hostId: string): string => `${HOST_TAG_PREFIX}${hostId}`

/** The Exitdesk host id a tag list names, if any. */
export function hostIdFromTags(tags: string[]): string | undefined {
  const tag = tags.find((t) => t.startsWith(HOST_TAG_PREFIX) && t.length > HOST_TAG_PREFIX.length)
  return tag?.slice(HOST_TAG_PREFIX.length)
}
