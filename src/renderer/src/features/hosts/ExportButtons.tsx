import type { Host } from '../../../../shared/domain'
import { exportFileName, hostsToCsv, hostsToJson } from '../../lib/export'

/**
 * "Export CSV" / "Export JSON": the hosts as listed, saved by the browser's own download (in
 * Electron, its save dialog). Built in the window from what it shows: nothing is asked of main
 * and no token is in it. The list is asked for on the click (`getHosts`): a poll costs nothing here.
 */
export function ExportButtons({ getHosts, count }: { getHosts: () => readonly Host[]; count: number }) {
  function save(kind: 'csv' | 'json'): void {
    const hosts = getHosts()
    const now = new Date()
    const text = kind === 'csv' ? hostsToCsv(hosts) : hostsToJson(hosts, now)
    const url = URL.createObjectURL(new Blob([text], { type: kind === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' }))
    const link = document.createElement('a')
    link.href = url
    link.download = exportFileName(kind, now)
    link.click()
    // The download has taken its copy once click() returns; the next task frees the blob.
    setTimeout(() => URL.revokeObjectURL(url), 0)
  }
  return (
    <span className="export-buttons">
      <button type="button" className="button button-small" data-testid="export-csv" disabled={count === 0} onClick={() => save('csv')}>
        Export CSV
      </button>{' '}
      <button type="button" className="button button-small" data-testid="export-json" disabled={count === 0} onClick={() => save('json')}>
        Export JSON
      </button>
    </span>
  )
}
