import { useState } from 'react'
import type { Host } from '../../../../shared/domain'
import { hostOrder, type HostOrder } from '../../lib/hosts'

/**
 * The table's rows for the snapshot's hosts, worked out again only when that array changes
 * (a poll that changed nothing keeps it), and from the previous rows, so an unchanged order
 * keeps its `ids` array (lib/hosts.ts). Kept in state and adjusted while rendering, React's
 * pattern for a value derived from the previous render.
 */
export function useHostOrder(hosts: readonly Host[]): HostOrder {
  const [order, setOrder] = useState(() => hostOrder(hosts))
  if (order.source === hosts) return order
  const next = hostOrder(hosts, order)
  setOrder(next)
  return next
}
