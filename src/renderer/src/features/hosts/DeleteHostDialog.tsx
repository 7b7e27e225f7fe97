import type { Host } from '../../../../shared/domain'
import { useDeleteHost } from '../../api'
import { ConfirmDialog } from '../../components/ConfirmDialog'

interface Props {
  host: Host
  cloudLabel: string
  onClose: () => void
}

/** "Delete <name>?" — names what goes: the VM, and the firewall an HTTPS host has. */
export function DeleteHostDialog({ host, cloudLabel, onClose }: Props) {
  const deleteHost = useDeleteHost()
  return (
    <ConfirmDialog
      title={`Delete ${host.name}?`}
      confirmLabel="Delete host"
      pendingLabel="Deleting…"
      pending={deleteHost.isPending}
      error={deleteHost.error}
      onCancel={onClose}
      onConfirm={() => deleteHost.mutate(host.id, { onSuccess: onClose })}
    >
      <p>
        This removes the VM <strong>{host.name}</strong>
        {host.tunnel.mode === 'https' ? ' and its firewall' : ''} from {cloudLabel} ({host.region}).
        {host.ipv4 ? ` Tunnels to ${host.ipv4} stop working and the address is released.` : ''} This cannot be undone.
      </p>
    </ConfirmDialog>
  )
}
