/**
 * The host table with 1,000 hosts, in Chromium: only the rows in view (and a few around them)
 * exist, yet the table is still a table to assistive technology (roles, `aria-rowcount`,
 * `aria-rowindex`, `aria-sort`), Tab and Shift+Tab walk the row controls in order across rows
 * that were not rendered before, focus never drops to the page when its row scrolls away, and
 * a dialog opened from a row (or from its menu) gives focus back to the button that opened it.
 * The hosts are droplets put straight into the DigitalOcean fake, adopted by an account pointed
 * at it as "found in cloud".
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/domain'
import type { HostsSnapshot, HostsUnchanged } from '../../src/shared/contract'
import { visibleHosts } from '../../src/renderer/src/lib/hosts'
import { DEFAULT_SORT, NO_FILTERS, hostView, type HostQuery } from '../../src/renderer/src/lib/host-view'
import { keepUnchangedHosts, sameJson } from '../../src/renderer/src/lib/hosts-answer'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { browserTestSkipReason, invokeApp, launchBrowser, openApp, screenshot, seedDroplets, startWebApp, waitUntil, type RunningApp } from './support'

const blocked = browserTestSkipReason('the host table browser test')

const HOSTS = 1_000
/** A row's controls in tab order: its checkbox, its name (details), its primary action (Connect…), its menu. */
const BUTTONS = ['host-select', 'host-open-details', 'host-copy-command', 'host-menu'] as const
const COLUMNS = ['Select all shown', 'Name', 'State', 'IP', 'Cloud', 'Plan', 'Age', '$/mo', 'Actions']

interface RenderedRow {
  id: string
  rowIndex: number
}

interface Focused {
  /** The focused element's data-testid, or its tag name when it has none (BODY: focus was lost). */
  what: string
  /** aria-rowindex of the host row holding focus, 0 when focus is outside every row. */
  rowIndex: number
}

/** The host rows in the DOM, in document order. */
function renderedRows(page: Page): Promise<RenderedRow[]> {
  return page.$$eval('[data-testid="host-row"]', (rows) => rows.map((row) => ({ id: row.getAttribute('data-host-id') ?? '', rowIndex: Number(row.getAttribute('aria-rowindex')) })))
}

/** Page code as text: the node project type-checks without the DOM's types. */
const FOCUSED = `(() => {
  const element = document.activeElement
  const row = element && element.closest('[data-testid="host-row"]')
  return { what: (element && (element.getAttribute('data-testid') || element.tagName)) || 'none', rowIndex: row ? Number(row.getAttribute('aria-rowindex')) : 0 }
})()`
const NEXT_FRAMES = 'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))'

function focused(page: Page): Promise<Focused> {
  return page.evaluate<Focused>(FOCUSED)
}

/** Scrolls the table's box until the row with this aria-rowindex is rendered (rows differ in height, so a few steps). */
async function scrollToRow(page: Page, rowIndex: number): Promise<void> {
  for (let step = 0; step < 12; step++) {
    const rows = await renderedRows(page)
    if (rows.some((row) => row.rowIndex === rowIndex)) return
    const middle = rows[Math.floor(rows.length / 2)]?.rowIndex ?? 2
    await page.getByTestId('hosts-table').evaluate((table, delta) => {
      const box = table.parentElement!
      box.scrollTop += delta * (box.scrollHeight / (Number(table.getAttribute('aria-rowcount')) - 1))
    }, rowIndex - middle)
    await page.evaluate(NEXT_FRAMES)
  }
  throw new Error(`Row ${rowIndex} was not rendered after scrolling.`)
}

/** JSON round trip: what a full hosts:list answer is in the page, new objects for every host. */
const reparsed = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

describe('a full hosts:list answer keeps the objects of the hosts it did not change (memoized rows skip them)', () => {
  const host = (n: number, extra: Partial<Host> = {}): Host => ({
    id: `h${n}`,
    name: `exit-${n}`,
    cloud: 'digitalocean',
    accountId: 'a1',
    region: 'lon1',
    plan: 's-1vcpu-512mb-10gb',
    ipv4: `198.51.100.${n}`,
    state: 'active',
    rawStatus: 'active',
    createdAt: '2026-12-07T10:00:00.000Z',
    tunnel: { mode: 'https', domains: ['a.example.com', 'b.example.com'] },
    locator: { instanceId: String(n), region: 'lon1', attached: [{ kind: 'firewall', id: `fw${n}` }] },
    discovered: false,
    busy: false,
    readiness: { status: 'ready', control: 'answering', summary: 'tunnel ready' },
    ...extra,
  }) as Host
  const shown: HostsSnapshot = { hosts: [host(1), host(2), host(3)], refreshedAt: '2026-12-07T10:00:00.000Z', version: 7, accountErrors: [] }

  it('one host changed: the others are the shown objects, the changed one is new', () => {
    const answer = reparsed({ ...shown, version: 8, hosts: [host(1), host(2, { state: 'stopped', rawStatus: 'off' }), host(3)] })
    const next = keepUnchangedHosts(shown, answer)
    expect(next.version).toBe(8)
    expect(next.hosts[0]).toBe(shown.hosts[0])
    expect(next.hosts[1]).toBe(answer.hosts[1])
    expect(next.hosts[1]!.state).toBe('stopped')
    expect(next.hosts[2]).toBe(shown.hosts[2])
  })

  it('no host changed: the very array shown, so the sorted list and the table are kept', () => {
    const answer = reparsed({ ...shown, version: 8, accountErrors: [{ accountId: 'a1', message: 'down' }] })
    const next = keepUnchangedHosts(shown, answer)
    expect(next.hosts).toBe(shown.hosts)
    expect(next.accountErrors).toEqual([{ accountId: 'a1', message: 'down' }])
  })

  it('hosts added, gone or reordered: a new array, still with the shown objects of unchanged hosts', () => {
    const answer = reparsed({ ...shown, version: 8, hosts: [host(4), host(3), host(1)] })
    const next = keepUnchangedHosts(shown, answer)
    expect(next.hosts).not.toBe(shown.hosts)
    expect(next.hosts.map((h) => h.id)).toEqual(['h4', 'h3', 'h1'])
    expect(next.hosts[1]).toBe(shown.hosts[2])
    expect(next.hosts[2]).toBe(shown.hosts[0])
    // Nothing to keep: the answer as it came.
    const fresh = reparsed({ ...shown, version: 9, hosts: [host(5)] })
    expect(keepUnchangedHosts(shown, fresh)).toBe(fresh)
  })

  it('the row order is kept (the same ids array, no sort) while names, creation times and the set of hosts are', () => {
    const query: HostQuery = { search: '', filters: NO_FILTERS, sort: DEFAULT_SORT }
    const labels = new Map([['digitalocean', 'DigitalOcean']])
    const order = (hosts: Host[], previous?: ReturnType<typeof hostView>) => hostView(hosts, query, labels, previous)
    const first = order(shown.hosts)
    expect(first.ids).toEqual(['h1', 'h2', 'h3'])
    const stopped = order([host(1), host(2, { state: 'stopped', ipv4: undefined }), host(3)], first)
    expect(stopped.ids).toBe(first.ids)
    expect(stopped.byId.get('h2')!.state).toBe('stopped')
    const newer = order([host(1), host(2), host(3, { createdAt: '2026-12-07T11:00:00.000Z' })], first)
    expect(newer.ids).toEqual(['h3', 'h1', 'h2'])
    const renamed = order([host(1, { name: 'exit-9' }), host(2), host(3)], first)
    expect(renamed.ids).toEqual(['h2', 'h3', 'h1'])
    const deleted = order([host(1), host(2, { state: 'deleted' }), host(3)], first)
    expect(deleted.ids).toEqual(['h1', 'h3'])
    const swapped = order([host(1), host(2), host(4)], first) // as many hosts, not the same ones
    expect(swapped.ids).toEqual(['h1', 'h2', 'h4'])
    expect(swapped.ids).not.toBe(first.ids)
  })

  it('a change deep inside a host, or a field added or dropped, is a change', () => {
    const base = host(1)
    expect(sameJson(base, reparsed(base))).toBe(true)
    expect(sameJson(base, { ...reparsed(base), tunnel: { mode: 'https', domains: ['a.example.com'] } })).toBe(false)
    expect(sameJson(base, { ...reparsed(base), tunnel: { mode: 'https', domains: ['b.example.com', 'a.example.com'] } })).toBe(false)
    expect(sameJson(base, { ...reparsed(base), readiness: { status: 'ready', control: 'answering', summary: 'tunnel ready (again)' } })).toBe(false)
    expect(sameJson(base, { ...reparsed(base), notice: 'a delete was sent again' })).toBe(false)
    const { ipv4: _dropped, ...withoutIp } = reparsed(base)
    expect(sameJson(base, withoutIp)).toBe(false)
    expect(sameJson(withoutIp, base)).toBe(false)
    expect(sameJson([1, 2], [1, 2, 3])).toBe(false)
    expect(sameJson({ a: [] }, { a: {} })).toBe(false)
    expect(sameJson(null, {})).toBe(false)
  })
})

describe.skipIf(Boolean(blocked))('host table: 1,000 hosts rendered a screenful at a time, by keyboard and screen reader', () => {
  let fake: FakeDigitalOcean
  let app: RunningApp
  let browser: Browser
  let page: Page
  /** The hosts in the table's order (newest first), as main lists them. */
  let order: Host[]

  beforeAll(async () => {
    fake = await startFakeDigitalOcean({ account: { droplet_limit: HOSTS + 10 }, requestBudget: Number.MAX_SAFE_INTEGER })
    seedDroplets(fake, HOSTS)
    // Nothing here outlives the run: the credential may live in memory.
    app = await startWebApp({ EXITDESK_SECRET_STORE: 'memory' })
    await invokeApp(app, 'accounts:add', { cloud: 'digitalocean', label: 'Many droplets', endpoint: fake.url, credentials: { token: fake.token } })
    await waitUntil(`main to adopt the ${HOSTS} droplets`, async () => {
      const answer = await invokeApp<HostsSnapshot | HostsUnchanged>(app, 'hosts:list', {})
      return 'hosts' in answer && answer.hosts.length === HOSTS
    })
    const answer = await invokeApp<HostsSnapshot>(app, 'hosts:list', {})
    order = visibleHosts(answer.hosts)
    browser = await launchBrowser()
    page = (await openApp(browser, app)).page
    await waitUntil('the table to list every host', async () => (await page.getByTestId('hosts-table').getAttribute('aria-rowcount')) === String(HOSTS + 1), 20_000)
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
  })

  it('renders a screenful of rows, each a table row that knows its place among all hosts', async () => {
    const table = page.getByRole('table', { name: 'Tunnel hosts' })
    expect(await table.getAttribute('aria-rowcount')).toBe('1001')
    const rows = await renderedRows(page)
    // A screenful plus the overscan, not a thousand.
    expect(rows.length).toBeGreaterThan(5)
    expect(rows.length).toBeLessThan(60)
    rows.forEach((row, position) => {
      expect(row.rowIndex).toBe(position + 2) // the header is row 1
      expect(row.id).toBe(order[position]!.id)
    })
    expect(await page.evaluate<number>("document.getElementsByTagName('*').length")).toBeLessThan(4_000)

    // Playwright's role queries: a table with its header row and a cell per column in each row.
    expect(await table.getByRole('columnheader').count()).toBe(COLUMNS.length)
    for (const name of COLUMNS) expect(await table.getByRole('columnheader', { name, exact: true }).count(), name).toBe(1)
    expect(await table.getByRole('row').count()).toBe(rows.length + 1)
    expect(await table.getByRole('cell').count()).toBe(rows.length * 9)
    // Sorted by age, youngest first (today's order); every sortable header says how it sorts.
    expect(await table.getByRole('columnheader', { name: 'Age' }).getAttribute('aria-sort')).toBe('ascending')
    expect(await table.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('none')
    const snapshot = await table.ariaSnapshot()
    expect(snapshot).toMatch(/^- table "Tunnel hosts":/)
    expect(snapshot).toContain('- rowgroup:')
    expect(snapshot).toContain('- columnheader "Name"')
    expect(snapshot).toContain('- checkbox "Select all shown"')
    expect(snapshot).toContain(`row "Select ${order[0]!.name} ${order[0]!.name} `)
    expect(snapshot).toContain(`- cell "${order[0]!.ipv4}"`)
    // Every control of a row names its host.
    expect(snapshot).toContain(`- checkbox "Select ${order[0]!.name}"`)
    expect(snapshot).toContain(`- button "${order[0]!.name}"`)
    expect(snapshot).toContain(`- button "Connect to ${order[0]!.name}…"`)
    expect(snapshot).toContain(`- button "More actions for ${order[0]!.name}"`)

    // What Chromium itself hands to screen readers: the CSS grid layout did not cost the table its roles.
    const cdp = await page.context().newCDPSession(page)
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ ignored: boolean; role?: { value?: string } }> }
    const count = (role: string): number => nodes.filter((node) => !node.ignored && node.role?.value === role).length
    expect(count('table')).toBe(1)
    expect(count('columnheader')).toBe(9)
    expect(count('row')).toBe(rows.length + 1)
    expect(count('cell')).toBe(rows.length * 9)
    await cdp.detach()
    await screenshot(page, '10-many-hosts')

    // From an 800 px window up, every column fits: nothing to scroll sideways.
    for (const width of [800, 1000]) {
      await page.setViewportSize({ width, height: 860 })
      await expect.poll(() => page.getByTestId('hosts-table').evaluate((element) => element.parentElement!.scrollWidth - element.parentElement!.clientWidth)).toBe(0)
      await screenshot(page, `10b-many-hosts-${width}px`)
    }
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  it('deep in the list, each rendered row still says which of the 1,001 it is', async () => {
    await scrollToRow(page, 812)
    const rows = await renderedRows(page)
    expect(rows.length).toBeLessThan(60)
    expect(rows.some((row) => row.rowIndex === 2)).toBe(false) // the top rows are gone from the DOM
    rows.forEach((row, position) => {
      if (position > 0) expect(row.rowIndex).toBe(rows[position - 1]!.rowIndex + 1) // in order, no gaps
      expect(row.id).toBe(order[row.rowIndex - 2]!.id)
    })
    const row812 = page.locator('[data-testid="host-row"][aria-rowindex="812"]')
    expect(await row812.getAttribute('data-host-id')).toBe(order[810]!.id)
    expect(await row812.getByRole('cell').nth(1).textContent()).toContain(order[810]!.name)
    await screenshot(page, '11-row-812')
  })

  it('Tab and Shift+Tab walk the row buttons in order, through rows rendered on the way', async () => {
    await page.getByTestId('hosts-table').evaluate((table) => (table.parentElement!.scrollTop = 0))
    await scrollToRow(page, 2)
    await page.locator('[aria-rowindex="2"]').getByTestId('host-select').focus()
    const steps = BUTTONS.length * 40 // forty rows: far past the first screenful and its overscan
    const expected = (step: number): Focused => ({ what: BUTTONS[step % BUTTONS.length]!, rowIndex: 2 + Math.floor(step / BUTTONS.length) })
    expect(await focused(page)).toEqual(expected(0))
    for (let step = 1; step <= steps; step++) {
      await page.keyboard.press('Tab')
      expect(await focused(page)).toEqual(expected(step))
    }
    expect((await renderedRows(page)).some((row) => row.rowIndex === 2)).toBe(false) // scrolled along
    for (let step = steps - 1; step >= 0; step--) {
      await page.keyboard.press('Shift+Tab')
      expect(await focused(page)).toEqual(expected(step))
    }
  })

  it('keeps the focused button when its row is scrolled far away, and Tab goes on from it', async () => {
    await scrollToRow(page, 6)
    await page.locator('[aria-rowindex="6"]').getByTestId('host-copy-command').focus()
    await page.getByTestId('hosts-table').evaluate((table) => (table.parentElement!.scrollTop = table.parentElement!.scrollHeight))
    await expect.poll(async () => (await renderedRows(page)).some((row) => row.rowIndex === HOSTS + 1)).toBe(true)

    expect(await focused(page)).toEqual({ what: 'host-copy-command', rowIndex: 6 })
    const rows = await renderedRows(page)
    expect(rows.length).toBeLessThan(60)
    // The focused row and its neighbours stay, so Tab and Shift+Tab have somewhere to go.
    expect(rows.filter((row) => row.rowIndex < 100).map((row) => row.rowIndex)).toEqual([5, 6, 7])

    await page.keyboard.press('Shift+Tab')
    expect(await focused(page)).toEqual({ what: 'host-open-details', rowIndex: 6 })
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab') // past the row's menu button
    expect(await focused(page)).toEqual({ what: 'host-select', rowIndex: 7 })
  })

  it('a dialog opened from a row deep in the list, or from its menu, gives focus back to its button', async () => {
    await scrollToRow(page, 500)
    const row = page.locator('[data-testid="host-row"][aria-rowindex="500"]')
    const name = order[498]!.name

    // The menu: a Radix dropdown (a portal), its items named for the host; Delete… is the last.
    await row.getByTestId('host-menu').focus()
    await page.keyboard.press('Enter')
    const menu = page.getByRole('menu')
    await expect.poll(() => menu.isVisible()).toBe(true)
    expect(await menu.getByRole('menuitem', { name: `Delete ${name}…` }).count()).toBe(1)
    expect(await menu.getByRole('menuitem', { name: `Copy token of ${name}` }).count()).toBe(1)
    await page.keyboard.press('End')
    await page.keyboard.press('Enter')
    const confirm = page.getByRole('alertdialog', { name: `Delete ${name}?` })
    await expect.poll(() => confirm.isVisible()).toBe(true)
    // A found TCP droplet: only its own tag was recorded with it, so no firewall is promised.
    const what = await confirm.getByTestId('delete-what').innerText()
    expect(what).toContain(`This removes the VM ${name} and its Exitdesk tag from DigitalOcean (${order[498]!.region}).`)
    expect(what).not.toContain('firewall')
    await expect.poll(() => focused(page)).toEqual({ what: 'confirm-cancel', rowIndex: 0 }) // the dialog is a portal
    // Whatever scrolls the table meanwhile, the row that opened the dialog stays.
    await page.getByTestId('hosts-table').evaluate((table) => (table.parentElement!.scrollTop = 0))
    await page.evaluate(NEXT_FRAMES)
    expect((await renderedRows(page)).some((rendered) => rendered.rowIndex === 500)).toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(() => confirm.count()).toBe(0)
    await expect.poll(() => focused(page)).toEqual({ what: 'host-menu', rowIndex: 500 })
    expect(fake.state.droplets.size).toBe(HOSTS) // cancelled: nothing deleted

    await page.keyboard.press('Shift+Tab')
    expect(await focused(page)).toEqual({ what: 'host-copy-command', rowIndex: 500 })
    await page.keyboard.press('Enter')
    const command = page.getByRole('dialog', { name: `Client command for ${name}` })
    await expect.poll(() => command.isVisible()).toBe(true)
    await expect.poll(() => focused(page)).toEqual({ what: 'client-upstream', rowIndex: 500 })
    await page.keyboard.press('Escape')
    await expect.poll(() => command.count()).toBe(0)
    expect(await focused(page)).toEqual({ what: 'host-copy-command', rowIndex: 500 })
  })
})
