import type { Host } from '../../../../shared/domain'
import { useDeleteHost } from '../../api'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { attachedResources, listInWords } from '../../lib/host-view'

interface Props {
  host: Host
  cloudLabel: string
  onClose: () => void
}

/**
 * "Delete <name>?" — names what goes: the VM and what Exitdesk recorded making for it when it
 * was created (`locator.attached`: a firewall, a security group, a public IP ...), whatever the
 * tunnel mode; nothing more is promised than that list holds.
 */
export function DeleteHostDialog({ host, cloudLabel, onClose }: Props) {
  const deleteHost = useDeleteHost()
  const extras = attachedResources(host.locator.attached)
  return (
    <ConfirmDialog
      title={`Delete ${host.name}?`}
      confirmLabel="Delete host"
      pendingLabel="Deleting…"
      pending={deleteHost.isPending}
      error={deleteHost.error}
      errorLead="The host was not deleted."
      onCancel={onClose}
      onConfirm={() => deleteHost.mutate(host.id, { onSuccess: onClose })}
    >
      <p data-testid="delete-what">
        This removes the VM <strong>{host.name}</strong>
        {extras.length > 0 ? ` and ${listInWords(extras)}` : ''} from {cloudLabel} ({host.region}).
        {host.ipv4 ? ` Tunnels to ${host.ipv4} stop working and the address is released.` : ''} This cannot be undone.
      </p>
    </ConfirmDialog>
  )
}
