import type { Host } from '../../../../shared/domain'
import { ErrorMessage } from '../../components/ErrorMessage'
import { canCopy } from '../../lib/hosts'
import { ClientCommandBuilder } from '../hosts/ClientCommandDialog'
import { CopyFallback } from '../hosts/CopyFallback'
import { useCopyFromMain } from '../hosts/useCopyFromMain'

/**
 * The Connect tab: the client command builder (the copy dialog's form, in place) and "Copy
 * token". Both are asked from main on each click and never cached; when the clipboard refuses,
 * the text is shown to copy by hand, as in the table.
 */
export function HostConnect({ host }: { host: Host }) {
  const { state: copy, notes, copyCommand, copyToken, dismiss, dismissNotes } = useCopyFromMain(host.id)
  if (!canCopy(host)) {
    return (
      <p className="muted" data-testid="details-connect-unavailable">
        The client command and token are available once the host is running and has an IP address.
      </p>
    )
  }
  return (
    <div className="details-connect">
      <p className="hint">
        Run this command on the computer whose services you want to reach through <span className="mono">{host.ipv4}</span>.
      </p>
      <ClientCommandBuilder host={host} onCopy={copyCommand} />
      <div className="details-connect-token">
        <button
          type="button"
          className="button button-small"
          data-testid="details-copy-token"
          aria-busy={copy.status === 'working' && copy.what === 'token'}
          onClick={() => void copyToken()}
        >
          Copy token
        </button>
        <span className="small muted">The tunnel token alone, for a client you set up yourself. It is secret.</span>
      </div>
      <div aria-live="polite">
        {copy.status === 'copied' ? (
          <p className="copied" data-testid="details-copied">
            {copy.what === 'command' ? 'Command copied' : 'Token copied'}
          </p>
        ) : null}
      </div>
      {copy.status === 'failed' ? <ErrorMessage error={copy.error} lead={`The ${copy.what === 'command' ? 'client command' : 'token'} could not be fetched.`} /> : null}
      {copy.status === 'shown' ? <CopyFallback what={copy.what} text={copy.text} onClose={dismiss} /> : null}
      {notes.length > 0 ? (
        <div className="copy-notes" role="status" data-testid="copy-notes">
          <ul>
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
          <button type="button" className="button button-small" onClick={dismissNotes}>
            Hide
          </button>
        </div>
      ) : null}
    </div>
  )
}
