import { memo, useRef, useState } from 'react'
import * as Menu from '@radix-ui/react-dropdown-menu'
import { AUTO_TEARDOWN_CHOICES, autoTeardownLabel, type AccountInfo, type AutoTeardownChoice, type CloudInfo, type Host } from '../../../../shared/domain'
import { ErrorMessage } from '../../components/ErrorMessage'
import { SimulatedTag } from '../../components/SimulatedTag'
import { StateBadge } from '../../components/StateBadge'
import { formatAge, formatMoney, formatRetry } from '../../lib/format'
import { useNow } from '../../hooks/useNow'
import { useDeleteHost } from '../../api'
import { canCopy, canDelete, canRetryTeardown } from '../../lib/hosts'
import { Countdown } from './AutoTeardownControls'
import { ClientCommandDialog } from './ClientCommandDialog'
import { CopyFallback } from './CopyFallback'
import { DeleteHostDialog } from './DeleteHostDialog'
import { TunnelState } from './TunnelState'
import { useCopyFromMain } from './useCopyFromMain'
import { useSetAutoTeardown } from './useSetAutoTeardown'

interface Props {
  host: Host
  cloud: CloudInfo | undefined
  account: AccountInfo | undefined
  /** The host's place in the listed (filtered, sorted) hosts, from 0: the virtualizer's index. */
  index: number
  /** The virtualizer's measuring ref (a stable function): rows differ in height. */
  measureRef: (element: HTMLTableRowElement | null) => void
  selected: boolean
  /** Stable functions (HostsPage): a row is not re-rendered on their account. */
  onToggleSelect: (hostId: string, select: boolean) => void
  onOpenDetails: (hostId: string) => void
}

/** What a menu item opens once the menu has closed and given focus back to its button. */
type MenuFollowUp = 'details' | 'command' | 'delete'

/**
 * One host, as one compact table row: a checkbox, the name (a button opening the details
 * panel), state, address, cloud and region, plan, age, cost, ONE primary action — Connect… when
 * the host can be connected to, Retry teardown when a teardown is stuck, Delete otherwise — and
 * a "More actions" menu for the rest. Every control's accessible name carries the host's name.
 *
 * Memoized: a poll that changed other hosts (or only the refresh time) re-renders nothing here,
 * because TanStack Query keeps the objects of unchanged hosts; the clock moves only the age,
 * countdown and retry texts (their own small components). The virtualizer places the row by
 * writing its `top` directly, so a row above growing moves this one without rendering it.
 *
 * The detail some hosts have (an error, a notice, the copy fallback) is part of the same row
 * element, not a second <tr>: the row is measured as one element, and a screen reader's
 * "row N of M" counts hosts. It sits in the actions cell, which spans the whole row on a
 * subgrid (hosts.css): the detail shows full width under the row, and its controls come
 * after the row's buttons in the tab order, as they do on screen.
 *
 * Dialogs opened from the menu open once the menu has closed and put focus back on its button,
 * so each dialog gives focus back to that button when it closes.
 */
export const HostRow = memo(function HostRow({ host, cloud, account, index, measureRef, selected, onToggleSelect, onOpenDetails }: Props) {
  const { state: copy, notes: copyNotes, copyCommand, copyToken, dismiss, dismissNotes } = useCopyFromMain(host.id)
  const [confirming, setConfirming] = useState(false)
  const [choosingCommand, setChoosingCommand] = useState(false)
  const retryTeardown = useDeleteHost()
  const autoTeardown = useSetAutoTeardown(host.id)
  const menuButton = useRef<HTMLButtonElement>(null)
  const followUp = useRef<MenuFollowUp | undefined>(undefined)

  const copyable = canCopy(host)
  const deletable = canDelete(host)
  const retryable = canRetryTeardown(host)
  const primary: 'connect' | 'retry' | 'delete' | undefined = copyable ? 'connect' : retryable ? 'retry' : deletable ? 'delete' : undefined
  const copyTitle = copyable ? undefined : 'Available once the host is active and has an IP address'
  const region = cloud?.regions.find((candidate) => candidate.id === host.region)
  const plan = cloud?.plans.find((candidate) => candidate.id === host.plan)
  const cloudLabel = cloud?.label ?? host.cloud
  const accountLabel = account && !account.builtIn ? account.label : undefined
  const hasDetail =
    Boolean(host.lastError) ||
    Boolean(host.notice) ||
    Boolean(host.retryAt) ||
    Boolean(retryTeardown.error) ||
    Boolean(autoTeardown.error) ||
    copy.status === 'shown' ||
    copy.status === 'failed' ||
    copyNotes.length > 0
  const name = host.name

  return (
    <tr
      ref={measureRef}
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      className={`host-row hosts-grid${hasDetail ? ' has-detail' : ''}${selected ? ' is-selected' : ''}`}
      data-testid="host-row"
      data-host-id={host.id}
      data-host-name={name}
      data-state={host.state}
    >
      <td role="cell" className="cell-select">
        <input
          type="checkbox"
          className="host-check"
          data-testid="host-select"
          aria-label={`Select ${name}`}
          checked={selected}
          onChange={(event) => onToggleSelect(host.id, event.target.checked)}
        />
      </td>
      <td role="cell" className="cell-name">
        <button type="button" className="host-name" data-testid="host-open-details" aria-haspopup="dialog" title={`Details of ${name}`} onClick={() => onOpenDetails(host.id)}>
          {name}
        </button>
        <div className="cell-tags">
          <span className="tag" data-testid="host-mode" title={host.tunnel.domains.length ? host.tunnel.domains.join(', ') : undefined}>
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
        <div className="state-line">
          <StateBadge state={host.state} rawStatus={host.rawStatus} readiness={host.readiness} />
          {host.busy ? (
            <span className="busy" role="status" title="Exitdesk is working on this host">
              <span className="spinner" aria-hidden="true" />
              <span className="visually-hidden">working…</span>
            </span>
          ) : null}
        </div>
        <TunnelState host={host} />
      </td>
      <td role="cell" className="cell-ip">
        <span className="mono" data-testid="host-ip">
          {host.ipv4 ?? '—'}
        </span>
        {host.ipv6 ? (
          <div className="small muted mono ipv6" title={host.ipv6}>
            {host.ipv6}
          </div>
        ) : null}
      </td>
      <td role="cell" className="cell-cloud" data-testid="host-cloud">
        <div className="cloud-line" title={cloudLabel}>
          {/* The simulated cloud's label says what the tag does: the tag alone, in less room. */}
          {cloud?.simulated ? <SimulatedTag /> : <span className="cloud-label">{cloudLabel}</span>}
        </div>
        <div className="small muted cloud-where" title={[region?.label, accountLabel].filter(Boolean).join(' · ') || undefined}>
          <span data-testid="host-region">{host.region}</span>
          {accountLabel ? ` · ${accountLabel}` : null}
        </div>
      </td>
      <td role="cell" className="cell-plan" title={plan?.label ?? host.plan}>
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
            {primary === 'connect' ? (
              <button
                type="button"
                className="button button-small button-primary-quiet"
                data-testid="host-copy-command"
                aria-label={`Connect to ${name}…`}
                aria-busy={copy.status === 'working' && copy.what === 'command'}
                aria-haspopup="dialog"
                onClick={() => setChoosingCommand(true)}
              >
                Connect…
              </button>
            ) : primary === 'retry' ? (
              <button
                type="button"
                className="button button-small button-danger-quiet"
                data-testid="host-retry-teardown"
                aria-label={`Retry teardown of ${name}`}
                title="Send the delete to the cloud again now instead of waiting for the next try"
                aria-busy={retryTeardown.isPending}
                disabled={retryTeardown.isPending}
                onClick={() => retryTeardown.mutate(host.id)}
              >
                Retry teardown
              </button>
            ) : primary === 'delete' ? (
              <button
                type="button"
                className="button button-small button-danger-quiet"
                data-testid="host-delete"
                aria-label={`Delete ${name}`}
                aria-haspopup="dialog"
                onClick={() => setConfirming(true)}
              >
                Delete
              </button>
            ) : (
              <span className="small muted primary-none">{host.state === 'deleting' ? 'Deleting…' : null}</span>
            )}
            <Menu.Root>
              <Menu.Trigger asChild>
                <button ref={menuButton} type="button" className="button button-small menu-button" data-testid="host-menu" aria-label={`More actions for ${name}`}>
                  <span aria-hidden="true">⋯</span>
                </button>
              </Menu.Trigger>
              <Menu.Portal>
                <Menu.Content
                  className="menu"
                  align="end"
                  sideOffset={4}
                  collisionPadding={8}
                  data-testid="host-menu-content"
                  onCloseAutoFocus={(event) => {
                    const what = followUp.current
                    followUp.current = undefined
                    if (!what) return
                    // Focus on the menu's button first: the dialog opening next gives it back there.
                    event.preventDefault()
                    menuButton.current?.focus()
                    if (what === 'details') onOpenDetails(host.id)
                    else if (what === 'command') setChoosingCommand(true)
                    else setConfirming(true)
                  }}
                >
                  <Menu.Item className="menu-item" data-testid="host-menu-details" aria-label={`Details of ${name}`} onSelect={() => (followUp.current = 'details')}>
                    Details
                  </Menu.Item>
                  <Menu.Item className="menu-item" data-testid="host-copy-command" aria-label={`Copy client command for ${name}…`} disabled={!copyable} title={copyTitle} onSelect={() => (followUp.current = 'command')}>
                    Copy client command…
                  </Menu.Item>
                  <Menu.Item className="menu-item" data-testid="host-copy-token" aria-label={`Copy token of ${name}`} disabled={!copyable} title={copyTitle} onSelect={() => void copyToken()}>
                    Copy token
                  </Menu.Item>
                  {host.state !== 'deleting' ? (
                    <Menu.Sub>
                      <Menu.SubTrigger className="menu-item menu-sub-trigger" data-testid="host-delete-after" aria-label={`Delete ${name} after: ${autoTeardownLabel(host.deleteAfter ?? 'never')}`} disabled={autoTeardown.isPending}>
                        <span>Delete after</span>
                        <span className="menu-hint" data-testid="host-delete-after-value">
                          {autoTeardownLabel(host.deleteAfter ?? 'never')}
                        </span>
                        <span className="menu-chevron" aria-hidden="true">
                          ›
                        </span>
                      </Menu.SubTrigger>
                      <Menu.Portal>
                        <Menu.SubContent className="menu" sideOffset={2} collisionPadding={8} data-testid="host-delete-after-menu">
                          <Menu.Label className="menu-label">A new choice counts from now</Menu.Label>
                          <Menu.RadioGroup value={host.deleteAfter ?? 'never'} onValueChange={(value) => autoTeardown.mutate(value as AutoTeardownChoice)}>
                            {AUTO_TEARDOWN_CHOICES.map((choice) => (
                              <Menu.RadioItem key={choice} value={choice} className="menu-item menu-radio" data-testid={`host-delete-after-${choice}`}>
                                <Menu.ItemIndicator className="menu-indicator">✓</Menu.ItemIndicator>
                                {choice === 'never' ? 'Never' : autoTeardownLabel(choice)}
                              </Menu.RadioItem>
                            ))}
                          </Menu.RadioGroup>
                        </Menu.SubContent>
                      </Menu.Portal>
                    </Menu.Sub>
                  ) : null}
                  {deletable && primary !== 'delete' ? (
                    <>
                      <Menu.Separator className="menu-separator" />
                      <Menu.Item className="menu-item menu-danger" data-testid="host-delete" aria-label={`Delete ${name}…`} onSelect={() => (followUp.current = 'delete')}>
                        Delete…
                      </Menu.Item>
                    </>
                  ) : null}
                </Menu.Content>
              </Menu.Portal>
            </Menu.Root>
          </div>
          {copy.status === 'copied' ? (
            <span className="copied" role="status" data-testid="copied-text">
              Copied
            </span>
          ) : null}
          {copy.status === 'working' && copy.what === 'token' ? (
            <span className="copied muted" role="status">
              Copying…
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
            {autoTeardown.error ? <ErrorMessage error={autoTeardown.error} lead="Auto-teardown could not be changed." /> : null}
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
                <button type="button" className="button button-small" aria-label={`Hide the notes about ${name}'s client command`} onClick={dismissNotes}>
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
