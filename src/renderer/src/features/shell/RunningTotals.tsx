import { useMemo } from 'react'
import * as Tooltip from '@radix-ui/react-tooltip'
import type { Host } from '../../../../shared/domain'
import { useHosts } from '../../api'
import { useNow } from '../../hooks/useNow'
import { monthToDateUsd, runningMonthlyUsd } from '../../lib/cost'
import { formatMoney } from '../../lib/format'

const NO_HOSTS: Host[] = []

/**
 * The header's running total: dollars a month of everything still billing, and the estimated
 * cost so far this month (lib/cost.ts says how it is estimated). Re-renders on the shared clock
 * tick and when the host list changes; nothing else.
 */
export function RunningTotals() {
  const hosts = useHosts().data?.hosts ?? NO_HOSTS
  const now = useNow()
  const monthly = useMemo(() => runningMonthlyUsd(hosts), [hosts])
  const soFar = monthToDateUsd(hosts, now)
  return (
    <Tooltip.Root>
      <Tooltip.Trigger asChild>
        <p className="running-totals" data-testid="running-totals" tabIndex={0}>
          <span>
            <strong data-testid="total-monthly">{formatMoney(monthly)}</strong>
            <span className="muted">/mo running</span>
          </span>
          <span>
            <strong data-testid="total-month-to-date">{formatMoney(soFar)}</strong>
            <span className="muted"> so far this month</span>
          </span>
        </p>
      </Tooltip.Trigger>
      <Tooltip.Portal>
        <Tooltip.Content className="tooltip" sideOffset={6}>
          Estimated from each host&apos;s monthly price and the hours it has run this month (730 hours to a month). Your cloud&apos;s
          bill is the authority.
          <Tooltip.Arrow className="tooltip-arrow" />
        </Tooltip.Content>
      </Tooltip.Portal>
    </Tooltip.Root>
  )
}
