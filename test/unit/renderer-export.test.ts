import { describe, expect, it } from 'vitest'
import { csvCell, EXPORT_COLUMNS, exportFileName, hostsToCsv, hostsToJson } from '../../src/renderer/src/lib/export'
import type { Host } from '../../src/shared/domain'

const host: Host = {
  id: 'h1',
  name: 'exit-1',
  cloud: 'digitalocean',
  accountId: 'acct-1',
  region: 'lon1',
  plan: 's-1vcpu-512mb-10gb',
  ipv4: '203.0.113.7',
  state: 'active',
  rawStatus: 'active',
  createdAt: '2026-11-25T10:00:00.000Z',
  monthlyCostUsd: 4,
  tunnel: { mode: 'https', domains: ['a.example.com', 'b.example.com'] },
  locator: { region: 'lon1', instanceId: '123', attached: [] },
  discovered: false,
  busy: false,
  deleteAt: '2026-11-25T18:00:00.000Z',
  deleteAfter: '8h',
}

describe('export', () => {
  it('quotes per RFC 4180: commas, quotes and line breaks in quotes, quotes doubled', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell('cr\r')).toBe('"cr\r"')
    expect(csvCell(undefined)).toBe('')
    expect(csvCell(4.5)).toBe('4.5')
    expect(csvCell(false)).toBe('false')
  })

  it('guards cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"')
    expect(csvCell('+1')).toBe("'+1")
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('\t=1')).toBe("'\t=1")
    expect(csvCell('a=1')).toBe('a=1')
    expect(csvCell(-3)).toBe('-3') // a number we wrote is a number
  })

  it('writes a header and one CRLF line per host, in the listed columns', () => {
    const csv = hostsToCsv([host, { ...host, id: 'h2', name: '=cmd|calc', lastError: 'broke, "badly"' }])
    const lines = csv.split('\r\n')
    expect(lines).toHaveLength(4) // header, two hosts, and the final line end
    expect(lines[0]).toBe(EXPORT_COLUMNS.map((c) => c.header).join(','))
    expect(lines[1]).toBe('exit-1,h1,digitalocean,acct-1,lon1,s-1vcpu-512mb-10gb,active,active,,203.0.113.7,,https,a.example.com b.example.com,4,2026-11-25T10:00:00.000Z,2026-11-25T18:00:00.000Z,false,')
    expect(lines[2]).toMatch(/^'=cmd\|calc,h2,/)
    expect(lines[2]).toMatch(/,"broke, ""badly"""$/)
  })

  it('JSON carries the same columns and nothing secret or internal', () => {
    const parsed = JSON.parse(hostsToJson([host], new Date('2026-11-25T12:00:00Z'))) as { exportedAt: string; hosts: Array<Record<string, unknown>> }
    expect(parsed.exportedAt).toBe('2026-11-25T12:00:00.000Z')
    expect(parsed.hosts[0]).toMatchObject({ name: 'exit-1', ipv4: '203.0.113.7', 'monthly cost usd': 4, domains: 'a.example.com b.example.com', 'delete at': '2026-11-25T18:00:00.000Z' })
    expect(Object.keys(parsed.hosts[0]!).every((key) => EXPORT_COLUMNS.some((c) => c.header === key))).toBe(true)
    expect(JSON.stringify(parsed)).not.toMatch(/token|locator/i)
  })

  it('names the file by time, without characters a file system refuses', () => {
    expect(exportFileName('csv', new Date('2026-11-25T10:00:00.123Z'))).toBe('exitdesk-hosts-2026-11-25T10-00-00Z.csv')
  })
})
