/**
 * The host details side sheet, opened from a host's name in the table: the timeline after a
 * create the cloud refused, and for a simulated host its resources, cost so far and the Connect
 * tab's copy. Hosts are made through the app's own API (what the form sends), so this test
 * depends only on the table row and the panel.
 */
import { randomUUID } from 'node:crypto'
import { AxeBuilder } from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/domain'
import { DEFAULT_INLETS_VERSION } from '../../src/shared/domain'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { browserTestSkipReason, clipboardText, invokeApp, launchBrowser, openApp, screenshot, startWebApp, type RunningApp } from './support'

const blocked = browserTestSkipReason('the host details browser test')

const REFUSAL = 'You specified an invalid region for Droplet creation.'

/** Clicks the host's name in its row and waits for the panel. */
async function openDetails(page: Page, name: string) {
  const row = page.getByTestId('host-row').filter({ hasText: name })
  await row.first().waitFor()
  await row.first().getByTestId('host-open-details').click()
  const panel = page.getByTestId('host-details')
  await panel.waitFor()
  await expect.poll(() => panel.getByRole('heading', { level: 2 }).first().innerText()).toBe(name)
  return panel
}

describe.skipIf(Boolean(blocked))('web shell end to end: the host details panel', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeDigitalOcean

  beforeAll(async () => {
    fake = await startFakeDigitalOcean({ activateAfterMs: 3_000, deleteAfterMs: 1_000 })
    // Credentials in memory: this test is about the panel, not the keychain.
    app = await startWebApp({ EXITDESK_SECRET_STORE: 'memory' })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
  })

  it('shows a create the cloud refused in the timeline, with its time', async () => {
    const account = await invokeApp<{ id: string }>(app, 'accounts:add', {
      cloud: 'digitalocean',
      label: 'Fake DigitalOcean',
      endpoint: fake.url,
      credentials: { token: fake.token },
    })
    // DigitalOcean refuses the droplet, slowly: the create has answered by then (it waits at
    // most a second), so the refusal is recorded on the host and the host stays in the table.
    fake.setFailure({ method: 'POST', path: '/v2/droplets', status: 422, body: { id: 'unprocessable_entity', message: REFUSAL }, delayMs: 2_500, times: 1 })
    const created = await invokeApp<Host>(app, 'hosts:create', {
      requestId: randomUUID(),
      accountId: account.id,
      name: 'refused-exit',
      region: 'lon1',
      plan: 's-1vcpu-512mb-10gb',
      tunnel: { mode: 'tcp', inletsVersion: DEFAULT_INLETS_VERSION },
    })
    expect(created.name).toBe('refused-exit')

    const { page } = await openApp(browser, app)
    const row = page.getByTestId('host-row').filter({ hasText: 'refused-exit' })
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('error')

    const panel = await openDetails(page, 'refused-exit')
    await panel.getByTestId('details-tab-timeline').click()
    const refusal = panel.getByTestId('host-timeline').getByTestId('timeline-entry').filter({ hasText: REFUSAL })
    await expect.poll(() => refusal.count(), { timeout: 20_000 }).toBeGreaterThan(0)
    expect(await refusal.first().getAttribute('data-kind')).toBe('error')
    const time = refusal.first().locator('time')
    const at = await time.getAttribute('datetime')
    expect(Number.isNaN(Date.parse(at ?? ''))).toBe(false)
    expect(Math.abs(Date.parse(at!) - Date.now())).toBeLessThan(5 * 60_000)
    expect((await time.innerText()).trim()).not.toBe('') // the local time in words
    expect(fake.state.droplets.size).toBe(0)
    await screenshot(page, 'details-01-refused-timeline')

    // Escape closes the sheet and focus goes back to the name that opened it.
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('host-details').count()).toBe(0)
    await expect.poll(() => page.evaluate<string | null>("document.activeElement?.getAttribute('data-testid') ?? null")).toBe('host-open-details')
  }, 90_000)

  it('lists what was made for a simulated host, its cost so far, and copies a command from Connect', async () => {
    await invokeApp<Host>(app, 'hosts:create', {
      requestId: randomUUID(),
      accountId: 'simulated',
      name: 'details-exit',
      region: 'sim-local-1',
      plan: 'sim-nano',
      tunnel: { mode: 'tcp', inletsVersion: DEFAULT_INLETS_VERSION },
    })
    const { page } = await openApp(browser, app)
    const row = page.getByTestId('host-row').filter({ hasText: 'details-exit' })
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')

    const panel = await openDetails(page, 'details-exit')
    // Overview: the VM's state, the instance the simulated cloud made, the cost so far.
    expect(await panel.getByTestId('host-state').innerText()).toMatch(/VM running/)
    const resources = panel.getByTestId('details-resource')
    await expect.poll(() => resources.count(), { timeout: 20_000 }).toBeGreaterThan(0)
    expect(await resources.first().innerText()).toMatch(/sim-\d+/)
    expect(await panel.getByTestId('details-cost-so-far').innerText()).toBe('$0.00') // the simulated cloud bills nothing
    await expect.poll(() => panel.getByTestId('details-tunnel').getAttribute('data-tunnel'), { timeout: 20_000 }).toBe('ready')
    await screenshot(page, 'details-02-overview')

    // The timeline has entries, each with a machine-readable time.
    await panel.getByTestId('details-tab-timeline').click()
    const entries = panel.getByTestId('timeline-entry')
    await expect.poll(() => entries.count(), { timeout: 20_000 }).toBeGreaterThan(0)
    expect(Number.isNaN(Date.parse((await entries.first().locator('time').getAttribute('datetime')) ?? ''))).toBe(false)

    // Connect: the same builder as the copy dialog, in place.
    await panel.getByTestId('details-tab-connect').click()
    await panel.getByTestId('client-upstream').fill('192.168.1.30')
    await panel.getByTestId('client-ports').fill('2222')
    await panel.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain('inlets-pro tcp client')
    const command = await clipboardText(page)
    expect(command).toContain('--upstream "192.168.1.30" --ports 2222')
    expect(command).toMatch(/--token-file "/)
    expect(await panel.getByTestId('details-copied').innerText()).toBe('Command copied')
    expect(await panel.getByTestId('copy-notes').innerText()).toMatch(/token/i)
    await screenshot(page, 'details-03-connect')

    // No serious or critical accessibility violation inside the sheet, on each tab.
    for (const tab of ['overview', 'timeline', 'connect']) {
      await panel.getByTestId(`details-tab-${tab}`).click()
      const results = await new AxeBuilder({ page }).include('[data-testid="host-details"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze()
      const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      expect(serious.flatMap((violation) => violation.nodes.map((node) => `${tab}: ${violation.id} ${node.target.join(' ')}`))).toEqual([])
    }

    // Under 640 px the sheet takes the whole width.
    await page.setViewportSize({ width: 600, height: 800 })
    await expect.poll(async () => (await panel.boundingBox())?.width).toBe(600)
    await page.setViewportSize({ width: 1280, height: 860 })

    // Delete: Escape in the confirmation cancels only the confirmation; confirming deletes the host.
    await panel.getByTestId('details-tab-overview').click()
    await panel.getByTestId('details-delete').click()
    await page.getByTestId('confirm-delete').waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('confirm-delete').count()).toBe(0)
    expect(await page.getByTestId('host-details').count()).toBe(1)
    await panel.getByTestId('details-delete').click()
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => panel.getByTestId('host-state').first().innerText(), { timeout: 10_000 }).toMatch(/deleting/)
    await screenshot(page, 'details-04-deleting')
    // Once the teardown is done the panel says the host is gone (or closes, where the table
    // renders it inside the row that goes away), and the row leaves the table.
    await expect.poll(() => page.getByTestId('host-row').filter({ hasText: 'details-exit' }).count(), { timeout: 30_000 }).toBe(0)
    await expect.poll(async () => (await page.getByTestId('host-details').count()) === 0 || (await panel.getByTestId('details-gone').count()) === 1).toBe(true)
    if ((await page.getByTestId('host-details').count()) === 0) return

    // The close button closes it too.
    await panel.getByTestId('details-close').click()
    await expect.poll(() => page.getByTestId('host-details').count()).toBe(0)
  }, 90_000)
})
