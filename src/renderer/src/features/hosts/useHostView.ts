import { useState } from 'react'
import type { Host } from '../../../../shared/domain'
import { hostView, sameQuery, type CloudLabels, type HostQuery, type HostView } from '../../lib/host-view'

/**
 * The table's rows for the snapshot's hosts under the page's search, filters and sort, worked
 * out again only when one of those changes (a poll that changed nothing keeps the `hosts`
 * array), and from the previous rows, so an unchanged order keeps its `ids` array
 * (hostView.ts). Kept in state and adjusted while rendering, React's pattern for a value
 * derived from the previous render.
 */
export function useHostView(hosts: readonly Host[], query: HostQuery, cloudLabels: CloudLabels): HostView {
  const [view, setView] = useState(() => hostView(hosts, query, cloudLabels))
  if (view.source === hosts && view.cloudLabels === cloudLabels && sameQuery(view.query, query)) return view
  const next = hostView(hosts, query, cloudLabels, view)
  setView(next)
  return next
}
