/**
 * Auto-teardown in the browser shell: "Delete after 1 h" at create, the countdown on the row,
 * the deadline kept across a restart, then Exitdesk's time moved (EXITDESK_TEST_CLOCK_FILE, a
 * test-only clock the web shell accepts only under vitest, src/main/test-clock.ts): the warning
 * and the "deleted" notification reach the page's Notification API, and the host is gone.
 */
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestSkipReason, goToPage, invokeApp, launchBrowser, openApp, openNewHost, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the auto-teardown browser test')

const MINUTE = 60_000

/** Stands in for the browser's Notification API: records what the page shows, grants on request. */
const NOTIFICATION_STUB = `
  window.__notices = []
  window.Notification = class {
    static permission = 'default'
    static async requestPermission() { window.Notification.permission = 'granted'; return 'granted' }
    constructor(title, options) { window.__notices.push({ title, body: options && options.body }) }
  }
`

async function shownNotices(page: Page): Promise<Array<{ title: string; body: string }>> {
  return page.evaluate<Array<{ title: string; body: string }>>('window.__notices')
}

describe.skipIf(Boolean(blocked))('web shell end to end: auto-teardown', () => {
  const keychain = `exitdesk-e2e-${randomBytes(4).toString('hex')}`
  let app: RunningApp
  let browser: Browser
  let clockFile: string

  beforeAll(async () => {
    app = await startWebApp({ EXITDESK_KEYCHAIN_SERVICE: keychain })
    // The first run only makes the data folder; the clock file lives in it.
    clockFile = join(app.dataDir, 'test-clock-offset')
    await app.stop()
    await writeFile(clockFile, '0')
    app = await startWebApp({ EXITDESK_KEYCHAIN_SERVICE: keychain, EXITDESK_TEST_CLOCK_FILE: clockFile }, { dataDir: app.dataDir })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('creates with "delete after 1 h", counts down, keeps it across a restart, warns, then deletes the host', async () => {
    const first = await openApp(browser, app)
    let page = first.page
    await openNewHost(page)
    await expect.poll(() => page.getByTestId('create-account').inputValue(), { timeout: 10_000 }).toBe('simulated')
    await page.getByTestId('create-delete-after').selectOption('1h')
    await page.getByTestId('create-submit').click()
    let row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('active')
    expect(await row.getByTestId('host-countdown').innerText()).toMatch(/^deletes in (1 h|59 min)$/)
    expect(await deleteAfterShown(row)).toBe('1 h')
    const hostId = await row.getAttribute('data-host-id')
    await screenshot(page, '20-auto-teardown-countdown')

    // Export: the listed hosts as the files the buttons save, with the deadline and no token.
    const hostName = (await row.getAttribute('data-host-name'))!
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
    expect(csvDownload.suggestedFilename()).toMatch(/^exitdesk-hosts-.+\.csv$/)
    const csv = await readFile((await csvDownload.path())!, 'utf8')
    const [header, line] = csv.split('\r\n')
    expect(header).toMatch(/^name,id,cloud,.*,delete at,/)
    expect(line).toMatch(new RegExp(`^${hostName},${hostId},simulator,`))
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()])
    const exported = JSON.parse(await readFile((await jsonDownload.path())!, 'utf8')) as { hosts: Array<Record<string, unknown>> }
    expect(exported.hosts).toEqual([expect.objectContaining({ name: hostName, id: hostId, 'delete at': expect.any(String) })])
    expect(csv + JSON.stringify(exported)).not.toMatch(/[A-Za-z0-9]{64}/) // no tunnel token
    await first.context.close()

    // A restart keeps the deadline: it is on the record, not in the window.
    const dataDir = app.dataDir
    await app.stop()
    app = await startWebApp({ EXITDESK_KEYCHAIN_SERVICE: keychain, EXITDESK_TEST_CLOCK_FILE: clockFile }, { dataDir })
    const ledger = JSON.parse(await readFile(join(dataDir, 'exitdesk-ledger.json'), 'utf8')) as { hosts: Array<{ id: string; autoTeardown?: { after: string } }> }
    expect(ledger.hosts.find((h) => h.id === hostId)?.autoTeardown?.after).toBe('1h')

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    context.setDefaultTimeout(15_000)
    await context.addInitScript(NOTIFICATION_STUB)
    page = await context.newPage()
    await page.goto(app.url)
    row = page.locator(`[data-testid="host-row"][data-host-id="${hostId}"]`)
    await expect.poll(() => row.getByTestId('host-countdown').isVisible(), { timeout: 20_000 }).toBe(true)
    expect(await deleteAfterShown(row)).toBe('1 h')
    // Permission is asked on the user's click (Settings → Notifications), not before.
    await goToPage(page, 'settings')
    await page.getByTestId('enable-notifications').click()
    await expect.poll(() => page.getByTestId('enable-notifications').count()).toBe(0)
    await goToPage(page, 'hosts')

    const name = (await row.getAttribute('data-host-name'))!
    // 51 minutes on: the 10-minute warning. A list call is what a polling window does; it refreshes.
    await writeFile(clockFile, String(51 * MINUTE))
    await expect
      .poll(async () => {
        await invokeApp(app, 'hosts:list', {})
        return (await shownNotices(page)).filter((n) => n.title.startsWith(`${name} will be deleted in `)).length
      }, { timeout: 30_000 })
      .toBe(1)

    // Past the deadline: main starts the teardown on its own and the row goes.
    await writeFile(clockFile, String(61 * MINUTE))
    await expect
      .poll(async () => {
        await invokeApp(app, 'hosts:list', {})
        return page.getByTestId('host-row').count()
      }, { timeout: 40_000 })
      .toBe(0)
    await expect.poll(async () => (await shownNotices(page)).some((n) => /was deleted$/.test(n.title) && /Deleted after 1 h, as set at create\./.test(n.body)), { timeout: 10_000 }).toBe(true)
    const cloud = JSON.parse(await readFile(join(dataDir, 'simulated-cloud.json'), 'utf8')) as { instances: unknown[] }
    expect(cloud.instances).toHaveLength(0)
    await context.close()
  }, 150_000)
})

/** What the row's "Delete after" says (in its ⋯ menu), e.g. "1 h"; the menu is closed again. */
async function deleteAfterShown(row: Locator): Promise<string> {
  await row.getByTestId('host-menu').click()
  const value = await row.page().getByRole('menu').getByTestId('host-delete-after-value').innerText()
  await row.page().keyboard.press('Escape')
  return value.trim()
}
