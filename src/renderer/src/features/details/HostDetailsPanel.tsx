import { useLayoutEffect, useRef, useState } from 'react'
import * as Dialog from '@radix-ui/react-dialog'
import * as Tabs from '@radix-ui/react-tabs'
import { useAccounts, useClouds, useHosts } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { errorInfo } from '../../lib/api-error'
import { canDelete } from '../../lib/hosts'
import { DeleteHostDialog } from '../hosts/DeleteHostDialog'
import { HostConnect } from './HostConnect'
import { HostOverview } from './HostOverview'
import { HostTimeline } from './HostTimeline'
import { useHostDetails } from './useHostDetails'
import './details.css'

interface Props {
  hostId: string
  onClose: () => void
}

type Tab = 'overview' | 'timeline' | 'connect'

/**
 * One host in a side sheet: Overview (state, tunnel, domains, server, cost, what was made in the
 * cloud, tags), Timeline and Connect. A Radix modal dialog: focus moves into it and stays there,
 * Escape or the close button closes it, and focus goes back to where it was (the row's name).
 *
 * The host itself comes from the hosts list (live state, as the table shows it); `hosts:details`
 * adds what only the panel shows and is asked again as the list changes.
 */
export function HostDetailsPanel({ hostId, onClose }: Props) {
  const hosts = useHosts()
  const clouds = useClouds()
  const accounts = useAccounts()
  const details = useHostDetails(hostId, hosts.data?.version)
  const [tab, setTab] = useState<Tab>('overview')
  const [confirmingDelete, setConfirmingDelete] = useState(false)
  // Radix returns focus to a Dialog.Trigger; the panel is opened from the table instead, so it
  // keeps what had focus (the row's name) before its own focus moves in (passive effects run later).
  const opener = useRef<HTMLElement | null>(null)
  useLayoutEffect(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null
  }, [])

  const listed = hosts.data?.hosts.find((candidate) => candidate.id === hostId)
  const host = listed ?? details.data?.host
  // The list is loaded and no longer has the host: it was deleted (or its teardown finished).
  const gone = listed?.state === 'deleted' || (hosts.data !== undefined && !listed && (details.data === undefined || errorInfo(details.error)?.code === 'not-found'))
  const cloud = clouds.data?.find((candidate) => candidate.id === host?.cloud)
  const account = accounts.data?.find((candidate) => candidate.id === host?.accountId)
  const cloudLabel = cloud?.label ?? host?.cloud ?? 'the cloud'

  return (
    <Dialog.Root open onOpenChange={(open) => (open ? undefined : onClose())}>
      <Dialog.Portal>
        <Dialog.Overlay className="details-overlay" />
        <Dialog.Content
          className="details-sheet"
          data-testid="host-details"
          aria-describedby={undefined}
          onCloseAutoFocus={(event) => {
            if (!opener.current?.isConnected) return
            event.preventDefault()
            opener.current.focus()
          }}
          onEscapeKeyDown={(event) => {
            // Escape in the delete confirmation (a native <dialog> inside the sheet) cancels only that.
            if (confirmingDelete) {
              event.preventDefault()
              setConfirmingDelete(false)
            }
          }}
        >
          <header className="details-head">
            <div className="details-title-block">
              <Dialog.Title className="details-title">{host?.name ?? 'Host details'}</Dialog.Title>
              {host ? (
                <p className="small muted">
                  {cloudLabel} · <span className="mono">{host.region}</span>
                  {host.ipv4 ? (
                    <>
                      {' '}
                      · <span className="mono">{host.ipv4}</span>
                    </>
                  ) : null}
                </p>
              ) : null}
            </div>
            <Dialog.Close className="button button-quiet icon-button" aria-label="Close host details" data-testid="details-close">
              <span aria-hidden="true">×</span>
            </Dialog.Close>
          </header>

          <div className="details-body">
            {details.error ? (
              <ErrorMessage
                error={details.error}
                lead={details.data ? 'The details could not be refreshed.' : 'The details of this host could not be loaded.'}
                testId="details-error"
              />
            ) : null}
            {gone ? (
              <p className="muted" data-testid="details-gone">
                This host is no longer in the list: it has been deleted.
              </p>
            ) : null}
            {!host ? (
              hosts.isPending || details.isPending ? (
                <p className="muted">Loading…</p>
              ) : hosts.error ? (
                <ErrorMessage error={hosts.error} lead="The host list could not be loaded." />
              ) : null
            ) : (
              <Tabs.Root value={tab} onValueChange={(value) => setTab(value as Tab)} className="details-tabs">
                <Tabs.List className="details-tab-list" aria-label="Host details">
                  <Tabs.Trigger value="overview" className="details-tab" data-testid="details-tab-overview">
                    Overview
                  </Tabs.Trigger>
                  <Tabs.Trigger value="timeline" className="details-tab" data-testid="details-tab-timeline">
                    Timeline
                  </Tabs.Trigger>
                  <Tabs.Trigger value="connect" className="details-tab" data-testid="details-tab-connect">
                    Connect
                  </Tabs.Trigger>
                </Tabs.List>
                <Tabs.Content value="overview" className="details-tab-panel">
                  <HostOverview host={host} details={details.data} cloud={cloud} account={account} />
                </Tabs.Content>
                <Tabs.Content value="timeline" className="details-tab-panel">
                  <h3 className="details-sr-only">Timeline</h3>
                  {details.data ? <HostTimeline entries={details.data.timeline} /> : <p className="muted">{details.error ? 'The timeline could not be loaded (see above).' : 'Loading…'}</p>}
                </Tabs.Content>
                <Tabs.Content value="connect" className="details-tab-panel">
                  <h3 className="details-sr-only">Connect</h3>
                  <HostConnect host={host} />
                </Tabs.Content>
              </Tabs.Root>
            )}
          </div>

          {host && !gone ? (
            <footer className="details-foot">
              <button
                type="button"
                className="button button-danger-quiet"
                data-testid="details-delete"
                disabled={!canDelete(host)}
                aria-haspopup="dialog"
                onClick={() => setConfirmingDelete(true)}
              >
                {host.state === 'deleting' ? 'Deleting…' : 'Delete host…'}
              </button>
              {confirmingDelete ? <DeleteHostDialog host={host} cloudLabel={cloudLabel} onClose={() => setConfirmingDelete(false)} /> : null}
            </footer>
          ) : null}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  )
}
