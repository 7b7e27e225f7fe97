import { memo, useState } from 'react'
import type { AccountInfo, CloudInfo, Host } from '../../../../shared/domain'
import { ErrorMessage } from '../../components/ErrorMessage'
import { SimulatedTag } from '../../components/SimulatedTag'
import { StateBadge } from '../../components/StateBadge'
import { formatAge, formatMoney, formatRetry } from '../../lib/format'
import { useNow } from '../../hooks/useNow'
import { useDeleteHost } from '../../api'
import { canCopy, canDelete, canRetryTeardown } from '../../lib/hosts'
import { Countdown, DeleteAfterSelect } from './AutoTeardownControls'
import { ClientCommandDialog } from './ClientCommandDialog'
import { CopyFallback } from './CopyFallback'
import { DeleteHostDialog } from './DeleteHostDialog'
import { TunnelState } from './TunnelState'
import { useCopyFromMain } from './useCopyFromMain'

interface Props {
  host: Host
  cloud: CloudInfo | undefined
  account: AccountInfo | undefined
  /** The host's place in the whole (sorted) list, from 0: the virtualizer's index. */
  index: number
  /** The virtualizer's measuring ref (a stable function): rows differ in height. */
  measureRef: (element: HTMLTableRowElement | null) => void
}

/**
 * One host, as one table row. Memoized: a poll that changed other hosts (or only the refresh
 * time) re-renders nothing here, because TanStack Query keeps the objects of unchanged hosts;
 * the clock moves only the age and retry texts (their own small components). The virtualizer
 * places the row by writing its `top` directly, so a row above growing moves this one without
 * rendering it.
 *
 * The detail some hosts have (an error, a notice, the copy fallback) is part of the same row
 * element, not a second <tr>: the row is measured as one element, and a screen reader's
 * "row N of M" counts hosts. It sits in the actions cell, which spans the whole row on a
 * subgrid (styles.css): the detail shows full width under the row, and its controls come
 * after the row's buttons in the tab order, as they do on screen.
 */
export const HostRow = memo(function HostRow({ host, cloud, account, index, measureRef }: Props) {
  const { state: copy, notes: copyNotes, copyCommand, copyToken, dismiss, dismissNotes } = useCopyFromMain(host.id)
  const [confirming, setConfirming] = useState(false)
  const [choosingCommand, setChoosingCommand] = useState(false)
  const retryTeardown = useDeleteHost()
  const copyable = canCopy(host)
  const copyTitle = copyable ? undefined : 'Available once the host is active and has an IP address'
  const region = cloud?.regions.find((candidate) => candidate.id === host.region)
  const plan = cloud?.plans.find((candidate) => candidate.id === host.plan)
  const cloudLabel = cloud?.label ?? host.cloud
  const hasDetail = Boolean(host.lastError) || Boolean(host.notice) || Boolean(host.retryAt) || Boolean(retryTeardown.error) || copy.status === 'shown' || copy.status === 'failed' || copyNotes.length > 0

  return (
    <tr
      ref={measureRef}
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      className={hasDetail ? 'host-row hosts-grid has-detail' : 'host-row hosts-grid'}
      data-testid="host-row"
      data-host-id={host.id}
      data-state={host.state}
    >
      <td role="cell" className="cell-name">
        <div className="host-name">{host.name}</div>
        <div className="cell-tags">
          <span className="tag" title={host.tunnel.domains.length ? host.tunnel.domains.join(', ') : undefined}>
            {host.tunnel.mode === 'https' ? 'HTTPS' : 'TCP'}
          </span>
          {host.discovered ? (
            <span className="tag tag-found" title="Exitdesk found this host by its tag; it was not created by this installation.">
              found in cloud
            </span>
          ) : null}
          {host.deleteAt ? <Countdown deleteAt={host.deleteAt} /> : null}
        </div>
      </td>
      <td role="cell" className="cell-state">
        <StateBadge state={host.state} rawStatus={host.rawStatus} readiness={host.readiness} />
        {host.busy ? (
          <span className="busy" role="status">
            <span className="spinner" aria-hidden="true" /> working…
          </span>
        ) : null}
        {host.rawStatus ? <div className="small muted">{host.rawStatus}</div> : null}
        <TunnelState host={host} />
      </td>
      <td role="cell" className="cell-ip">
        <span className="mono" data-testid="host-ip">
          {host.ipv4 ?? '—'}
        </span>
        {host.ipv6 ? <div className="small muted mono ipv6" title={host.ipv6}>{host.ipv6}</div> : null}
      </td>
      <td role="cell" className="cell-cloud" data-testid="host-cloud">
        <span>{cloudLabel}</span> {cloud?.simulated ? <SimulatedTag /> : null}
        {account && !account.builtIn ? <div className="small muted">{account.label}</div> : null}
      </td>
      <td role="cell" className="cell-region" title={region?.label}>
        {host.region}
      </td>
      <td role="cell" className="cell-plan" title={plan?.label}>
        {host.plan}
      </td>
      <td role="cell" className="cell-age" title={new Date(host.createdAt).toLocaleString()}>
        <Age createdAt={host.createdAt} />
      </td>
      <td role="cell" className="cell-cost num" data-testid="host-cost">
        {formatMoney(host.monthlyCostUsd)}
      </td>
      <td role="cell" className="cell-actions">
        <div className="host-actions">
          <div className="row-actions">
            <button
              type="button"
              className="button button-small"
              data-testid="host-copy-command"
              disabled={!copyable}
              title={copyTitle}
              aria-busy={copy.status === 'working' && copy.what === 'command'}
              aria-haspopup="dialog"
              onClick={() => setChoosingCommand(true)}
            >
              Copy client command…
            </button>
            <button
              type="button"
              className="button button-small"
              data-testid="host-copy-token"
              disabled={!copyable}
              title={copyTitle}
              aria-busy={copy.status === 'working' && copy.what === 'token'}
              onClick={() => void copyToken()}
            >
              Copy token
            </button>
            {canRetryTeardown(host) ? (
              <button
                type="button"
                className="button button-small button-danger-quiet"
                data-testid="host-retry-teardown"
                title="Send the delete to the cloud again now instead of waiting for the next try"
                aria-busy={retryTeardown.isPending}
                disabled={retryTeardown.isPending}
                onClick={() => retryTeardown.mutate(host.id)}
              >
                Retry teardown
              </button>
            ) : (
              <button
                type="button"
                className="button button-small button-danger-quiet"
                data-testid="host-delete"
                disabled={!canDelete(host)}
                aria-haspopup="dialog"
                onClick={() => setConfirming(true)}
              >
                {host.state === 'deleting' ? 'Deleting…' : 'Delete'}
              </button>
            )}
            <DeleteAfterSelect host={host} />
          </div>
          {copy.status === 'copied' ? (
            <span className="copied" role="status" data-testid="copied-text">
              Copied
            </span>
          ) : null}
          {confirming ? <DeleteHostDialog host={host} cloudLabel={cloudLabel} onClose={() => setConfirming(false)} /> : null}
          {choosingCommand ? <ClientCommandDialog host={host} onCopy={copyCommand} onClose={() => setChoosingCommand(false)} /> : null}
        </div>
        {hasDetail ? (
          <div className="host-detail">
            {host.lastError ? (
              <p className="inline-error" role="alert">
                {host.lastError}
              </p>
            ) : null}
            {host.notice ? (
              <p className="hint" role="status" data-testid="host-notice">
                {host.notice}
              </p>
            ) : null}
            {retryTeardown.error ? <ErrorMessage error={retryTeardown.error} lead="The teardown could not be retried." /> : null}
            {host.retryAt ? <RetryNote retryAt={host.retryAt} /> : null}
            {copy.status === 'failed' ? (
              <ErrorMessage error={copy.error} lead={`The ${copy.what === 'command' ? 'client command' : 'token'} could not be fetched.`} />
            ) : null}
            {copy.status === 'shown' ? <CopyFallback what={copy.what} text={copy.text} onClose={dismiss} /> : null}
            {copyNotes.length > 0 ? (
              <div className="copy-notes" role="status" data-testid="copy-notes">
                <ul>
                  {copyNotes.map((note) => (
                    <li key={note}>{note}</li>
                  ))}
                </ul>
                <button type="button" className="button button-small" onClick={dismissNotes}>
                  Hide
                </button>
              </div>
            ) : null}
          </div>
        ) : null}
      </td>
    </tr>
  )
})

/** The host's age: the only part of a row the clock re-renders. */
function Age({ createdAt }: { createdAt: string }) {
  return <>{formatAge(createdAt, useNow())}</>
}

function RetryNote({ retryAt }: { retryAt: string }) {
  const text = formatRetry(retryAt, useNow())
  return text ? (
    <p className="hint retry-note" data-testid="host-retry" title={new Date(retryAt).toLocaleString()}>
      {text}
    </p>
  ) : null
}
