import { useId } from 'react'
import { useWatch } from 'react-hook-form'
import { autoTeardownLabel, type AccountInfo, type CloudInfo, type Plan, type Region, type TunnelMode } from '../../../../shared/domain'
import { parseDomains } from '../../lib/domains'
import { formatMonthly } from '../../lib/format'
import type { NewHostControl } from '../../lib/new-host-schema'

interface Props {
  control: NewHostControl
  account: AccountInfo
  cloud: CloudInfo
  regions: readonly Region[]
  region: string | undefined
  plan: Plan | undefined
  mode: TunnelMode
}

/**
 * What "Create host" will do, in one place before it is pressed: where, how big, which tunnel,
 * for how long and what it costs a month. Watches the typed fields itself, so a keystroke in
 * the name or domains re-renders this block only.
 */
export function NewHostReview({ control, account, cloud, regions, region, plan, mode }: Props) {
  const titleId = useId()
  const [name, domainsText, deleteAfter] = useWatch({ control, name: ['name', 'tunnel.domainsText', 'deleteAfter'] })
  const regionInfo = regions.find((candidate) => candidate.id === region)
  const domains = parseDomains(domainsText)

  return (
    <section className="nh-review" aria-labelledby={titleId} data-testid="create-review">
      <h3 id={titleId} className="nh-review-title">
        Review
      </h3>
      <dl className="nh-review-list">
        <dt>Host name</dt>
        <dd className="mono" data-testid="review-name">
          {name || '—'}
        </dd>
        <dt>Account</dt>
        <dd data-testid="review-account">
          {account.label} · {cloud.label}
          {cloud.simulated ? ' (Simulated)' : ''}
        </dd>
        <dt>Region</dt>
        <dd data-testid="review-region">{regionInfo ? (regionInfo.label === regionInfo.id ? regionInfo.id : `${regionInfo.label} (${regionInfo.id})`) : '—'}</dd>
        <dt>Plan</dt>
        <dd data-testid="review-plan">{plan ? plan.label : 'No plan is sold in this region'}</dd>
        <dt>Tunnel</dt>
        <dd data-testid="review-tunnel">
          {mode === 'https' ? (
            <>
              HTTPS —{' '}
              {domains.length > 0 ? <span className="mono">{domains.join(', ')}</span> : <span className="warn-text">no domain yet</span>}
            </>
          ) : (
            'TCP — all TCP ports opened'
          )}
        </dd>
        <dt>Delete after</dt>
        <dd data-testid="review-delete-after">{deleteAfter === 'never' ? 'never (keep until deleted)' : autoTeardownLabel(deleteAfter)}</dd>
        <dt>Monthly cost</dt>
        <dd data-testid="review-cost">
          <strong>{plan ? formatMonthly(plan.monthlyCostUsd) : '—'}</strong>
          {plan?.costNote ? <span className="muted"> ({plan.costNote})</span> : null}
        </dd>
      </dl>
    </section>
  )
}
