/** Every host Exitdesk creates carries the app tag (one list call per scope finds them all) and a tag of its own. */
export const APP_TAG = 'exitdesk'

/** Unique to one host: lets a create whose answer was lost be found instead of repeated. */
export const hostTag = (hostId: string): string => `exitdesk-host-${hostId}`
