/**
 * A host's timeline: one short, plain sentence per thing that happened to it (a create or
 * teardown step done, an error and when it is tried again, a refusal, a notice), kept on its
 * ledger record so the details panel can show it after a restart too.
 *
 * - Appended only on transitions (a step that moved on, a state that changed): a refresh that
 *   learns nothing appends nothing, so the ledger's "no change, no write" still holds.
 * - Bounded: the newest TIMELINE_LIMIT entries are kept, so a host failing for days does not
 *   grow its record (and every write of it) without end.
 * - The sentences are written into the ledger like every other field, so they pass the same
 *   redactor on the way to disk and again in every envelope (../store/ledger.ts, ../dispatch.ts).
 */
import type { HostTimelineEntry } from '../../shared/contract'
import type { HostRecord } from '../store/records'

export const TIMELINE_LIMIT = 50

/** Appends to a host record (a ledger draft or a record being built) and drops the oldest beyond the limit. */
export function appendTimeline(host: Pick<HostRecord, 'timeline'>, now: number, kind: HostTimelineEntry['kind'], text: string): void {
  appendTimelineEntry(host, { at: new Date(now).toISOString(), kind, text })
}

/** Appends an entry made earlier (with its own time). */
export function appendTimelineEntry(host: Pick<HostRecord, 'timeline'>, entry: HostTimelineEntry): void {
  const timeline = host.timeline ?? []
  host.timeline = timeline.length >= TIMELINE_LIMIT ? [...timeline.slice(timeline.length - TIMELINE_LIMIT + 1), entry] : [...timeline, entry]
}

/** Words kept as the provider spells them inside a progress marker. */
const WORDS: Record<string, string> = { ip: 'IP', nic: 'NIC', vm: 'VM', ipv4: 'IPv4' }

/**
 * An adapter's progress marker (e.g. "firewall-created", "droplet-delete-requested",
 * "instance-gone", ../clouds/<cloud>/index.ts `PROGRESS`) in words: "Firewall created",
 * "Droplet delete sent", "Instance gone". Markers are how an adapter tells its steps apart;
 * every adapter names them "<thing>-<what happened>", so one reading serves all of them.
 */
export function progressWords(marker: string): string {
  const special: Record<string, string> = {
    'removing-attached': 'Removing what was made for it',
    'attached-removed': 'Everything made for it removed',
    'terminate-requested': 'Terminate sent',
    'firewall-missing': 'Instance created; its firewall comes next',
  }
  if (special[marker]) return special[marker]
  const words = marker
    .replace(/-delete-requested$/, '-delete-sent')
    .split('-')
    .filter((word) => word !== '')
    .map((word) => WORDS[word] ?? word)
  const sentence = words.join(' ')
  return sentence.charAt(0).toUpperCase() + sentence.slice(1)
}

/** "in 8 s", "in 2 min", "in 1 h 5 min": when a failed step is tried again. */
export function retryPhrase(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000))
  if (seconds < 120) return `in ${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 120) return `in ${minutes} min`
  return `in ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
}
