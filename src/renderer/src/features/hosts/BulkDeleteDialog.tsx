import { useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import type { Host } from '../../../../shared/domain'
import { call, queryKeys } from '../../api'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { formatMonthly } from '../../lib/format'
import { bulkDeletePlan, deleteHosts, listInWords, monthlyCost, type BulkDeleteOutcome } from '../../lib/host-view'

const sendDelete = (hostId: string) => call('hosts:delete', { by: 'id', hostId })

interface Props {
  /** Every selected host; those that cannot be deleted are named as skipped. */
  hosts: readonly Host[]
  cloudLabel: (host: Host) => string
  onCancel: () => void
  onDone: (outcome: BulkDeleteOutcome) => void
}

/**
 * "Delete 3 hosts?": one confirmation listing every selected host that can be deleted (name,
 * cloud, region, $/mo) and what deleting them saves a month, naming those skipped (already
 * being deleted). Confirmed, it sends a delete for each and reports back (`onDone`); the list
 * refreshes at once.
 */
export function BulkDeleteDialog({ hosts, cloudLabel, onCancel, onDone }: Props) {
  const queryClient = useQueryClient()
  const [pending, setPending] = useState(false)
  const plan = bulkDeletePlan(hosts)
  const count = plan.deletable.length
  const unknown = plan.deletable.filter((host) => host.monthlyCostUsd === undefined || !Number.isFinite(host.monthlyCostUsd)).length

  async function confirm(): Promise<void> {
    if (pending || count === 0) return
    setPending(true)
    const result = await deleteHosts(plan.deletable, sendDelete)
    void queryClient.invalidateQueries({ queryKey: queryKeys.hosts })
    onDone({ ...result, skipped: plan.skipped })
  }

  return (
    <ConfirmDialog
      title={count === 1 ? `Delete 1 host?` : `Delete ${count} hosts?`}
      confirmLabel={count === 1 ? 'Delete 1 host' : `Delete ${count} hosts`}
      pendingLabel="Deleting…"
      pending={pending}
      className="bulk-delete-dialog"
      onCancel={onCancel}
      onConfirm={() => void confirm()}
    >
      {count > 0 ? (
        <>
          <p>Each VM is removed from its cloud with what Exitdesk made for it. Tunnels to these hosts stop working. This cannot be undone.</p>
          <ul className="bulk-delete-list" data-testid="bulk-delete-list">
            {plan.deletable.map((host) => (
              <li key={host.id} data-testid="bulk-delete-item">
                <strong className="bulk-delete-name">{host.name}</strong>
                <span className="bulk-delete-where">
                  {cloudLabel(host)}, {host.region}
                </span>
                <span className="bulk-delete-cost num">{formatMonthly(host.monthlyCostUsd === undefined ? undefined : monthlyCost(host))}</span>
              </li>
            ))}
          </ul>
          <p className="bulk-delete-saving" data-testid="bulk-delete-saving">
            Deleting {count === 1 ? 'it' : 'them'} saves {unknown > 0 ? 'at least ' : ''}
            <strong>{formatMonthly(plan.monthlySavingUsd)}</strong>
            {unknown > 0 ? ` (the price of ${unknown === 1 ? 'one' : unknown} is unknown)` : ''}.
          </p>
        </>
      ) : (
        <p>None of the selected hosts can be deleted.</p>
      )}
      {plan.skipped.length > 0 ? (
        <p data-testid="bulk-delete-skipped">
          Skipped, already being deleted: {listInWords(plan.skipped.map((host) => host.name))}.
        </p>
      ) : null}
    </ConfirmDialog>
  )
}
