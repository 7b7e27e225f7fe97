/** What the table shows after a `hosts:list` answer. Pure: no React, no DOM. */
import type { HostsSnapshot, HostsUnchanged } from '../../../shared/contract'

/**
 * "Unchanged" keeps the very snapshot already shown (the same object, so nothing re-renders),
 * with only the refresh time moved on; a full answer replaces it. Undefined when main said
 * "unchanged" about a version this window does not have (it then asks for everything).
 */
export function applyHostsAnswer(shown: HostsSnapshot | undefined, answer: HostsSnapshot | HostsUnchanged): HostsSnapshot | undefined {
  if (!('unchanged' in answer)) return answer
  if (!shown || shown.version !== answer.version) return undefined
  return shown.refreshedAt === answer.refreshedAt ? shown : { ...shown, refreshedAt: answer.refreshedAt }
}
