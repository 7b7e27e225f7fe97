import type { ReactNode } from 'react'
import type { HostDetails, HostResource } from '../../../../shared/contract'
import type { AccountInfo, CertificateState, CloudInfo, Host, TunnelReadiness } from '../../../../shared/domain'
import { SimulatedTag } from '../../components/SimulatedTag'
import { StateBadge } from '../../components/StateBadge'
import { useNow } from '../../hooks/useNow'
import { costSoFarUsd } from '../../lib/cost'
import { formatCountdown } from '../../lib/countdown'
import { formatMoney, formatMonthly } from '../../lib/format'
import { formatLocalTime } from './time'

interface Props {
  host: Host
  /** Absent until `hosts:details` answers (or while it fails): resources, tags and image wait for it. */
  details: HostDetails | undefined
  cloud: CloudInfo | undefined
  account: AccountInfo | undefined
}

/** The Overview tab: the VM, its tunnel, its domains, where it runs, what it costs and what was made for it. */
export function HostOverview({ host, details, cloud, account }: Props) {
  const cloudLabel = cloud?.label ?? host.cloud
  return (
    <div className="details-sections">
      <section aria-labelledby="details-state-heading" className="details-section">
        <h3 id="details-state-heading">State</h3>
        <dl className="details-list">
          <Item term="VM">
            <StateBadge state={host.state} rawStatus={host.rawStatus} readiness={host.readiness} />{' '}
            {host.rawStatus ? <span className="muted small">the cloud says “{host.rawStatus}”</span> : null}
            {host.busy ? <div className="small muted">Exitdesk is working on it…</div> : null}
          </Item>
          <TunnelItems readiness={host.readiness} />
        </dl>
        {host.lastError ? (
          <p className="inline-error" data-testid="details-last-error">
            {host.lastError}
          </p>
        ) : null}
        {host.notice ? <p className="hint details-notice">{host.notice}</p> : null}
      </section>

      {host.tunnel.mode === 'https' ? <DomainsSection host={host} /> : null}

      <section aria-labelledby="details-server-heading" className="details-section">
        <h3 id="details-server-heading">Server</h3>
        <dl className="details-list">
          <Item term="Cloud">
            {cloudLabel} {cloud?.simulated ? <SimulatedTag /> : null}
            {account && !account.builtIn ? <span className="muted"> · {account.label}</span> : null}
          </Item>
          <Item term="Region">
            <span className="mono">{host.region}</span>
            <RegionLabel cloud={cloud} id={host.region} />
          </Item>
          <Item term="Plan">
            <span className="mono">{host.plan}</span>
            <PlanLabel cloud={cloud} id={host.plan} />
          </Item>
          <Item term="IPv4">
            <span className="mono" data-testid="details-ipv4">
              {host.ipv4 ?? 'none yet'}
            </span>
          </Item>
          {host.ipv6 ? (
            <Item term="IPv6">
              <span className="mono details-wrap">{host.ipv6}</span>
            </Item>
          ) : null}
          <Item term="Image">{details?.image ?? (details ? 'not known' : '…')}</Item>
          <Item term="Tunnel">
            {host.tunnel.mode === 'https' ? 'HTTPS' : 'TCP'}
            {host.discovered ? <span className="muted"> · found in the cloud by its tag, not created by this Exitdesk</span> : null}
          </Item>
          <Item term="Created">
            <time dateTime={host.createdAt}>{formatLocalTime(host.createdAt)}</time>
          </Item>
          <Item term="Auto-teardown">{host.deleteAt ? <TeardownTime deleteAt={host.deleteAt} /> : 'never'}</Item>
        </dl>
      </section>

      <section aria-labelledby="details-cost-heading" className="details-section">
        <h3 id="details-cost-heading">Cost</h3>
        <dl className="details-list">
          <Item term="Price">{formatMonthly(host.monthlyCostUsd)}</Item>
          <Item term="Cost so far">
            <CostSoFar host={host} />
          </Item>
        </dl>
        <p className="hint small">
          An estimate: the monthly price × the hours since the host was created ÷ 730 (an average month). Your invoice may round hours up or cap the month.
        </p>
      </section>

      <section aria-labelledby="details-resources-heading" className="details-section">
        <h3 id="details-resources-heading">Made in {cloudLabel}</h3>
        {details ? <Resources resources={details.resources} cloudLabel={cloudLabel} /> : <p className="muted">…</p>}
      </section>

      <section aria-labelledby="details-tags-heading" className="details-section">
        <h3 id="details-tags-heading">Tags</h3>
        {!details ? (
          <p className="muted">…</p>
        ) : details.tags.length === 0 ? (
          <p className="muted">The instance carries no tags.</p>
        ) : (
          <ul className="details-tags" data-testid="details-tags">
            {details.tags.map((tag) => (
              <li key={tag} className="tag mono">
                {tag}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  )
}

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="details-item">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function RegionLabel({ cloud, id }: { cloud: CloudInfo | undefined; id: string }) {
  const label = cloud?.regions.find((region) => region.id === id)?.label
  return label ? <span className="muted"> · {label}</span> : null
}

function PlanLabel({ cloud, id }: { cloud: CloudInfo | undefined; id: string }) {
  const label = cloud?.plans.find((plan) => plan.id === id)?.label
  return label ? <span className="muted"> · {label}</span> : null
}

const READINESS_WORDS: Record<TunnelReadiness['status'], string> = {
  checking: 'checking…',
  ready: 'ready',
  'not-ready': 'not ready yet',
  unknown: 'could not be checked',
}

const CONTROL_WORDS: Record<TunnelReadiness['control'], string> = {
  answering: 'answering',
  'not-answering': 'not answering yet',
  unchecked: 'not checked',
}

function TunnelItems({ readiness }: { readiness: TunnelReadiness | undefined }) {
  if (!readiness) {
    return <Item term="Tunnel server">not checked: Exitdesk checks once the VM runs and has an address</Item>
  }
  const tone = readiness.status === 'ready' ? 'details-ok' : readiness.status === 'unknown' ? 'muted' : 'details-warn'
  return (
    <>
      <Item term="Tunnel server">
        <span className={tone} data-testid="details-tunnel" data-tunnel={readiness.status}>
          {READINESS_WORDS[readiness.status]}
        </span>
        {readiness.simulated ? <span className="muted"> (simulated)</span> : null}
        <div className="small">{readiness.summary}</div>
        {readiness.checkedAt ? (
          <div className="small muted">
            checked <time dateTime={readiness.checkedAt}>{formatLocalTime(readiness.checkedAt)}</time>
          </div>
        ) : null}
      </Item>
      <Item term="Control port 8123">{CONTROL_WORDS[readiness.control]}</Item>
      {readiness.ports ? (
        <Item term="Ports 80 and 443">
          80 {readiness.ports.http ? 'accepts connections' : 'does not answer'} · 443 {readiness.ports.https ? 'accepts connections' : 'does not answer'}
        </Item>
      ) : null}
    </>
  )
}

const CERTIFICATE_WORDS: Record<CertificateState['status'], string> = {
  valid: 'valid',
  untrusted: 'not trusted',
  'wrong-name': 'issued for another name',
  expired: 'expired',
  none: 'none presented',
  unchecked: 'not checked yet',
}

function DomainsSection({ host }: { host: Host }) {
  const checked = new Map((host.readiness?.domains ?? []).map((domain) => [domain.name, domain]))
  return (
    <section aria-labelledby="details-domains-heading" className="details-section">
      <h3 id="details-domains-heading">Domains</h3>
      <ul className="details-domains" data-testid="details-domains">
        {host.tunnel.domains.map((name) => {
          const domain = checked.get(name)
          const certificate = domain?.certificate
          return (
            <li key={name} className="details-domain">
              <h4 className="mono details-wrap">{name}</h4>
              <dl className="details-list">
                <Item term="DNS">
                  {!domain ? (
                    <span className="muted">not checked yet</span>
                  ) : (
                    <>
                      <span className={domain.pointsHere ? 'details-ok' : 'details-warn'}>{domain.pointsHere ? 'points at this host' : 'does not point at this host'}</span>
                      {domain.resolvesTo.length > 0 || !domain.error ? (
                        <div className="small mono details-wrap">{domain.resolvesTo.length > 0 ? `resolves to ${domain.resolvesTo.join(', ')}` : 'resolves to nothing'}</div>
                      ) : null}
                      {/* The simulated cloud looks nothing up: its "error" is a note, not a failure. */}
                      {domain.error ? <div className={host.readiness?.simulated ? 'small muted' : 'small details-error-text'}>{domain.error}</div> : null}
                    </>
                  )}
                </Item>
                <Item term="Certificate">
                  {!certificate ? (
                    <span className="muted">not checked yet</span>
                  ) : (
                    <>
                      <span className={certificate.status === 'valid' ? 'details-ok' : certificate.status === 'unchecked' ? 'muted' : 'details-warn'}>
                        {CERTIFICATE_WORDS[certificate.status]}
                      </span>
                      {certificate.issuer ? <div className="small">issued by {certificate.issuer}</div> : null}
                      {certificate.validTo ? (
                        <div className="small">
                          valid until <time dateTime={certificate.validTo}>{formatLocalTime(certificate.validTo)}</time>
                        </div>
                      ) : null}
                      {certificate.error ? <div className="small details-error-text">{certificate.error}</div> : null}
                    </>
                  )}
                </Item>
              </dl>
            </li>
          )
        })}
      </ul>
    </section>
  )
}

/** The shared clock re-renders only this (every 15 s). */
function CostSoFar({ host }: { host: Host }) {
  const now = useNow()
  if (host.state === 'error' && !host.locator.instanceId) return <span data-testid="details-cost-so-far">nothing: no instance was made</span>
  return <span data-testid="details-cost-so-far">{formatMoney(costSoFarUsd(host, now))}</span>
}

function TeardownTime({ deleteAt }: { deleteAt: string }) {
  const countdown = formatCountdown(deleteAt, useNow())
  return (
    <>
      <time dateTime={deleteAt}>{formatLocalTime(deleteAt)}</time>
      {countdown ? <span className="muted"> · {countdown}</span> : null}
    </>
  )
}

function Resources({ resources, cloudLabel }: { resources: readonly HostResource[]; cloudLabel: string }) {
  if (resources.length === 0) return <p className="muted">Nothing in the cloud belongs to this host now.</p>
  return (
    <ul className="details-resources" data-testid="details-resources">
      {resources.map((resource) => (
        <li key={`${resource.kind}-${resource.id}`} className="details-resource" data-testid="details-resource" data-kind={resource.kind}>
          <div>
            <span className="details-resource-label">{resource.label}</span> <span className="mono details-wrap">{resource.id}</span>
          </div>
          {resource.consoleUrl ? (
            <a href={resource.consoleUrl} target="_blank" rel="noreferrer" className="details-link">
              Open in {cloudLabel} console
              <span className="details-sr-only">
                : {resource.label} {resource.id} (opens in your browser)
              </span>
            </a>
          ) : null}
        </li>
      ))}
    </ul>
  )
}
