/**
 * The Hosts page's toolbar and selection, in Chromium: search by name, address and domain;
 * the cloud, account, state and tunnel filters with their count and "Clear filters"; sorting
 * by a column header (order and `aria-sort`); selection (one by one, "Select all shown",
 * indeterminate, kept across polls); and a bulk delete of several hosts, confirmed once with
 * the list and the monthly saving, after which main has none of them.
 *
 * Hosts: three simulated ones made through `hosts:create` (the form is not what is tested
 * here) and three droplets put straight into the DigitalOcean fake, adopted by an account
 * pointed at it, so two clouds, two accounts, both tunnel modes and real prices are listed.
 */
import { randomUUID } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostsSnapshot } from '../../src/shared/contract'
import { DEFAULT_INLETS_VERSION, type Host } from '../../src/shared/domain'
import { formatMonthly } from '../../src/renderer/src/lib/format'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { browserTestSkipReason, invokeApp, launchBrowser, openApp, screenshot, seedDroplets, startWebApp, waitUntil, type RunningApp } from './support'

const blocked = browserTestSkipReason('the hosts toolbar browser test')

const SIMULATED = [
  { name: 'web-shop', mode: 'https' as const, domains: ['store.example.net'], region: 'sim-local-1' },
  { name: 'ssh-box', mode: 'tcp' as const, domains: [], region: 'sim-local-1' },
  { name: 'db-tunnel', mode: 'tcp' as const, domains: [], region: 'sim-local-2' },
]
const DROPLETS = ['exit-many-00000', 'exit-many-00001', 'exit-many-00002']

async function listHosts(app: RunningApp): Promise<Host[]> {
  return (await invokeApp<HostsSnapshot>(app, 'hosts:list', {})).hosts.filter((host) => host.state !== 'deleted')
}

/** The names of the host rows rendered, top to bottom (a handful: all of them fit). */
function rowNames(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="host-row"]', (rows) =>
    [...rows].sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex'))).map((row) => row.querySelector('[data-testid="host-open-details"]')?.textContent ?? ''),
  )
}

function sortOf(page: Page, column: string): Promise<string | null> {
  return page.getByTestId(`hosts-sort-${column}`).locator('xpath=..').getAttribute('aria-sort')
}

describe.skipIf(Boolean(blocked))('hosts page: search, filters, sort and bulk delete', () => {
  let fake: FakeDigitalOcean
  let app: RunningApp
  let browser: Browser
  let page: Page
  let accountId: string
  let hosts: Host[]

  beforeAll(async () => {
    fake = await startFakeDigitalOcean({ requestBudget: Number.MAX_SAFE_INTEGER })
    seedDroplets(fake, DROPLETS.length)
    // Found hosts get their plan's price from Exitdesk's built-in list; this one's size (CPU-
    // optimized) is not in it, so its price stays unknown and the bulk saving below is a floor.
    const unpriced = [...fake.state.droplets.values()].find((droplet) => droplet.name === 'exit-many-00002')!
    unpriced.size = 'c-2'
    app = await startWebApp({ EXITDESK_SECRET_STORE: 'memory' })
    accountId = (await invokeApp<{ id: string }>(app, 'accounts:add', { cloud: 'digitalocean', label: 'Fake DO', endpoint: fake.url, credentials: { token: fake.token } })).id
    for (const host of SIMULATED) {
      await invokeApp(app, 'hosts:create', {
        requestId: randomUUID(),
        accountId: 'simulated',
        name: host.name,
        region: host.region,
        plan: 'sim-nano',
        tunnel: { mode: host.mode, domains: host.domains, inletsVersion: DEFAULT_INLETS_VERSION, letsEncryptIssuer: 'staging' },
      })
    }
    await waitUntil('six hosts, the simulated ones running', async () => {
      const listed = await listHosts(app)
      return listed.length === 6 && listed.every((host) => host.state === 'active' && host.ipv4)
    })
    hosts = await listHosts(app)
    browser = await launchBrowser()
    page = (await openApp(browser, app)).page
    await waitUntil('the table to list the six hosts', async () => (await page.getByTestId('host-row').count()) === 6, 20_000)
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
  })

  it('searches by name, IP address and domain, and counts what is shown', async () => {
    const search = page.getByRole('searchbox', { name: 'Search hosts' })
    const count = page.getByTestId('hosts-count')
    expect(await count.innerText()).toBe('6 of 6 hosts')
    expect(await page.getByTestId('hosts-clear-filters').count()).toBe(0)

    await search.fill('ssh')
    await expect.poll(() => rowNames(page)).toEqual(['ssh-box'])
    expect(await count.innerText()).toBe('1 of 6 hosts')

    const droplet = hosts.find((host) => host.name === 'exit-many-00001')!
    await search.fill(droplet.ipv4!)
    await expect.poll(() => rowNames(page)).toEqual(['exit-many-00001'])

    await search.fill('STORE.example')
    await expect.poll(() => rowNames(page)).toEqual(['web-shop'])
    await screenshot(page, 'hosts-toolbar-search')

    await search.fill('no such host')
    await expect.poll(() => page.getByTestId('hosts-none-match').isVisible()).toBe(true)
    expect(await count.innerText()).toBe('0 of 6 hosts')

    await page.getByTestId('hosts-clear-filters').click()
    await expect.poll(() => page.getByTestId('host-row').count()).toBe(6)
    expect(await search.inputValue()).toBe('')
  })

  it('filters by cloud, account, state and tunnel mode', async () => {
    const cloud = page.getByRole('combobox', { name: 'Cloud' })
    await cloud.selectOption('digitalocean')
    await expect.poll(async () => (await rowNames(page)).sort()).toEqual(DROPLETS)
    expect(await page.getByTestId('hosts-count').innerText()).toBe('3 of 6 hosts')
    await cloud.selectOption('')

    await page.getByTestId('hosts-filter-account').selectOption(accountId)
    await expect.poll(async () => (await rowNames(page)).sort()).toEqual(DROPLETS)
    await page.getByTestId('hosts-filter-account').selectOption('simulated')
    await expect.poll(async () => (await rowNames(page)).sort()).toEqual(SIMULATED.map((host) => host.name).sort())

    await page.getByTestId('hosts-filter-mode').selectOption('https')
    await expect.poll(() => rowNames(page)).toEqual(['web-shop'])
    await page.getByTestId('hosts-filter-mode').selectOption('tcp')
    await expect.poll(async () => (await rowNames(page)).sort()).toEqual(['db-tunnel', 'ssh-box'])

    // Every host runs: "active" lists them all, and the options hold only states some host is in.
    await page.getByTestId('hosts-clear-filters').click()
    expect(await page.getByTestId('hosts-filter-state').locator('option').allTextContents()).toEqual(['All', 'active'])
    await page.getByTestId('hosts-filter-state').selectOption('active')
    await expect.poll(() => page.getByTestId('host-row').count()).toBe(6)
    await page.getByTestId('hosts-clear-filters').click()
    await expect.poll(() => page.getByTestId('hosts-clear-filters').count()).toBe(0)
  })

  it('sorts by a column header, both ways, saying so with aria-sort', async () => {
    const newestFirst = [...hosts].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).map((host) => host.name)
    expect(await rowNames(page)).toEqual(newestFirst)
    expect(await sortOf(page, 'age')).toBe('ascending')
    expect(await sortOf(page, 'name')).toBe('none')

    await page.getByRole('button', { name: 'Name', exact: true }).click()
    const byName = [...hosts.map((host) => host.name)].sort()
    await expect.poll(() => rowNames(page)).toEqual(byName)
    expect(await sortOf(page, 'name')).toBe('ascending')
    expect(await sortOf(page, 'age')).toBe('none')
    await page.getByTestId('hosts-sort-name').click()
    await expect.poll(() => rowNames(page)).toEqual([...byName].reverse())
    expect(await sortOf(page, 'name')).toBe('descending')

    // Addresses as numbers: the documentation ranges 198.51.100.x (droplets) before 203.0.113.x.
    await page.getByTestId('hosts-sort-ip').click()
    const octets = (ip: string) => ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0)
    const byIp = [...hosts].sort((a, b) => octets(a.ipv4!) - octets(b.ipv4!)).map((host) => host.name)
    await expect.poll(() => rowNames(page)).toEqual(byIp)
    expect(await sortOf(page, 'ip')).toBe('ascending')

    // Cost: the simulated hosts ($0) first, an unknown price last; equal costs keep the youngest first.
    await page.getByTestId('hosts-sort-cost').click()
    const costKey = (host: Host) => host.monthlyCostUsd ?? Number.POSITIVE_INFINITY
    const byCost = [...hosts].sort((a, b) => costKey(a) - costKey(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt)).map((host) => host.name)
    await expect.poll(() => rowNames(page)).toEqual(byCost)
    await page.getByTestId('hosts-sort-cost').click()
    expect(await sortOf(page, 'cost')).toBe('descending')
    await screenshot(page, 'hosts-toolbar-sorted')

    // Back to the default: youngest first.
    await page.getByTestId('hosts-sort-age').click()
    await expect.poll(() => rowNames(page)).toEqual(newestFirst)
  })

  it('selects hosts one by one and all shown, keeps the selection across polls, and deletes them after one confirmation', async () => {
    const selectAll = page.getByRole('checkbox', { name: 'Select all shown' })
    const isIndeterminate = () => selectAll.evaluate((box) => (box as HTMLInputElement).indeterminate)

    // "Select all shown" selects what the search shows, no more.
    await page.getByRole('checkbox', { name: 'Select web-shop' }).check()
    expect(await isIndeterminate()).toBe(true)
    await page.getByTestId('hosts-filter-cloud').selectOption('simulator')
    await expect.poll(() => page.getByTestId('host-row').count()).toBe(3)
    expect(await isIndeterminate()).toBe(true)
    await selectAll.check()
    expect(await isIndeterminate()).toBe(false)
    await page.getByTestId('hosts-clear-filters').click()
    await expect.poll(() => page.getByTestId('host-row').count()).toBe(6)
    expect(await isIndeterminate()).toBe(true)
    expect(await selectAll.isChecked()).toBe(false)

    // One droplet too: two clouds in one confirmation.
    const droplet = hosts.find((host) => host.name === 'exit-many-00002')!
    await page.getByRole('checkbox', { name: `Select ${droplet.name}` }).check()
    const chosen = hosts.filter((host) => host.cloud === 'simulator' || host.id === droplet.id)
    const saving = chosen.reduce((sum, host) => sum + (host.monthlyCostUsd ?? 0), 0)
    const summary = page.getByTestId('hosts-selection-summary')
    expect(await summary.innerText()).toBe(`4 selected · ${formatMonthly(saving)}`)

    // Polls come and go (the list is refetched when the window is shown again): the selection stays.
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    await page.waitForTimeout(2_500)
    expect(await summary.innerText()).toBe(`4 selected · ${formatMonthly(saving)}`)
    expect(await page.getByTestId('host-row').filter({ has: page.locator('input[data-testid="host-select"]:checked') }).count()).toBe(4)

    await page.getByTestId('hosts-delete-selected').click()
    const dialog = page.getByRole('alertdialog', { name: 'Delete 4 hosts?' })
    await dialog.waitFor()
    expect(await page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('data-testid')")).toBe('confirm-cancel')
    const items = await dialog.getByTestId('bulk-delete-item').allInnerTexts()
    expect(items).toHaveLength(4)
    for (const host of chosen) {
      const line = items.find((item) => item.includes(host.name))
      expect(line, host.name).toBeDefined()
      expect(line).toContain(host.region)
      expect(line).toContain(host.cloud === 'simulator' ? 'Simulated' : 'DigitalOcean')
      expect(line).toContain(formatMonthly(host.monthlyCostUsd)) // "—" when the price is unknown (a droplet found in the cloud)
    }
    // The found droplet's price is unknown: the saving is a floor, and says so.
    expect(await dialog.getByTestId('bulk-delete-saving').innerText()).toBe(`Deleting them saves at least ${formatMonthly(saving)} (the price of one is unknown).`)
    await screenshot(page, 'hosts-toolbar-bulk-delete')

    // Escape cancels: nothing deleted, the selection as it was.
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
    await expect.poll(() => page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('data-testid')")).toBe('hosts-delete-selected')
    expect((await listHosts(app)).filter((host) => host.state === 'deleting')).toHaveLength(0)

    await page.getByTestId('hosts-delete-selected').click()
    await dialog.getByTestId('confirm-delete').click()
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0)
    // Every delete was sent: the selection is empty and the outcome says so.
    await expect.poll(() => page.getByTestId('hosts-selection').count()).toBe(0)
    expect(await page.getByTestId('bulk-delete-outcome').innerText()).toContain('Deleting 4 hosts')
    expect(await page.getByTestId('bulk-delete-failure').count()).toBe(0)

    const chosenIds = new Set(chosen.map((host) => host.id))
    await expect
      .poll(async () => (await listHosts(app)).filter((host) => chosenIds.has(host.id)).length, { timeout: 60_000, interval: 500 })
      .toBe(0)
    await expect.poll(async () => (await rowNames(page)).sort(), { timeout: 20_000 }).toEqual(['exit-many-00000', 'exit-many-00001'])
    expect(await page.getByTestId('hosts-count').innerText()).toBe('2 of 2 hosts')
  }, 120_000)
})
