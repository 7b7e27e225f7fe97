/**
 * The host list as CSV and JSON for "Export CSV" / "Export JSON". Pure: no React, no DOM, so it
 * is tested on its own. Only what the window already has (`Host`): no token ever reaches the
 * window, so none can be exported; the columns are listed here, nothing else is written.
 *
 * CSV follows RFC 4180 (CRLF line ends, a field with a comma, quote, CR or LF in double quotes,
 * quotes doubled) and is safe to open in a spreadsheet: a cell that begins with = + - @ (or a
 * tab or CR, which some spreadsheets skip before such a character) gets a leading apostrophe,
 * so it is shown as text and never run as a formula (OWASP "CSV injection").
 */
import type { Host } from '../../../shared/domain'

export interface ExportColumn {
  header: string
  value: (host: Host) => string | number | boolean | undefined
}

/** The exported columns, in order. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { header: 'name', value: (h) => h.name },
  { header: 'id', value: (h) => h.id },
  { header: 'cloud', value: (h) => h.cloud },
  { header: 'account', value: (h) => h.accountId },
  { header: 'region', value: (h) => h.region },
  { header: 'plan', value: (h) => h.plan },
  { header: 'state', value: (h) => h.state },
  { header: 'provider status', value: (h) => h.rawStatus },
  { header: 'tunnel', value: (h) => h.readiness?.status },
  { header: 'ipv4', value: (h) => h.ipv4 },
  { header: 'ipv6', value: (h) => h.ipv6 },
  { header: 'tunnel mode', value: (h) => h.tunnel.mode },
  { header: 'domains', value: (h) => h.tunnel.domains.join(' ') },
  { header: 'monthly cost usd', value: (h) => h.monthlyCostUsd },
  { header: 'created at', value: (h) => h.createdAt },
  { header: 'delete at', value: (h) => h.deleteAt },
  { header: 'found in cloud', value: (h) => h.discovered },
  { header: 'last error', value: (h) => h.lastError },
]

const FORMULA_START = /^[=+\-@\t\r]/

/** One CSV field: formula-safe, then quoted when RFC 4180 needs it. */
export function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return ''
  let text = String(value)
  // Numbers are written by us and stay numbers (a negative one is not a formula); text is guarded.
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function hostsToCsv(hosts: readonly Host[]): string {
  const lines = [EXPORT_COLUMNS.map((c) => csvCell(c.header)), ...hosts.map((host) => EXPORT_COLUMNS.map((c) => csvCell(c.value(host))))]
  return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n'
}

/** The same columns as named fields (absent values left out), with when it was exported. */
export function hostsToJson(hosts: readonly Host[], exportedAt: Date): string {
  const rows = hosts.map((host) => {
    const row: Record<string, string | number | boolean> = {}
    for (const column of EXPORT_COLUMNS) {
      const value = column.value(host)
      if (value !== undefined && value !== '') row[column.header] = value
    }
    return row
  })
  return `${JSON.stringify({ exportedAt: exportedAt.toISOString(), hosts: rows }, null, 2)}\n`
}

/** "exitdesk-hosts-2026-11-25T10-00-00Z.csv": sortable, and valid on every file system. */
export function exportFileName(kind: 'csv' | 'json', at: Date): string {
  return `exitdesk-hosts-${at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')}.${kind}`
}
