/**
 * DigitalOcean droplet status -> Exitdesk's HostState. The four raw values come from
 * `specification/resources/droplets/models/droplet.yml` (enum new, active, off, archive) in
 * github.com/digitalocean/openapi. The API has no "deleting" state: after DELETE the droplet
 * simply disappears (GET answers 404), which the adapter reports as `null`, i.e. deleted.
 */
import type { HostState } from '../../../shared/domain'

export const DROPLET_STATES: Readonly<Record<string, HostState>> = Object.freeze({
  new: 'provisioning',
  active: 'active',
  off: 'stopped',
  archive: 'deleted',
})

/** Anything DigitalOcean adds later maps to `unknown`, never to a guess; the raw word is kept beside it. */
export function dropletState(rawStatus: string | undefined): HostState {
  if (rawStatus === undefined) return 'unknown'
  return Object.prototype.hasOwnProperty.call(DROPLET_STATES, rawStatus) ? DROPLET_STATES[rawStatus]! : 'unknown'
}
