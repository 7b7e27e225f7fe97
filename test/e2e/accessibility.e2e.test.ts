/**
 * Every main screen, light and dark, checked with axe-core (@axe-core/playwright) in Debian's
 * Chromium: no serious or critical violation (WCAG 2.x A/AA rules plus axe's best practices),
 * and every row button names its host. The screens are also saved as screenshots at 1280×800
 * and 800×600 in both themes (test-results/screenshots/ui-*.png); the README shows a few.
 */
import { randomUUID } from 'node:crypto'
import { AxeBuilder } from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { DEFAULT_INLETS_VERSION } from '../../src/shared/inlets-versions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestSkipReason, goToPage, invokeApp, launchBrowser, openNewHost, screenshot, startWebApp, waitUntil, type RunningApp } from './support'

const blocked = browserTestSkipReason('the accessibility tests')

const THEMES = ['light', 'dark'] as const
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const

interface HostLike {
  id: string
  name: string
  state: string
}

async function createSimulatedHost(app: RunningApp, name: string, https: boolean): Promise<HostLike> {
  return invokeApp<HostLike>(app, 'hosts:create', {
    requestId: randomUUID(),
    accountId: 'simulated',
    name,
    region: 'sim-local-1',
    plan: 'sim-nano',
    tunnel: { mode: https ? 'https' : 'tcp', inletsVersion: DEFAULT_INLETS_VERSION, domains: https ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'prod' },
    deleteAfter: https ? '8h' : 'never',
  })
}

/** Serious and critical violations only, each as "rule: target … (summary)", so a failure says what to fix. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze()
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')} — ${node.failureSummary ?? violation.help}`))
}

async function setTheme(page: Page, theme: (typeof THEMES)[number]): Promise<void> {
  await page.evaluate((value) => {
    localStorage.setItem('exitdesk.theme', value)
    document.documentElement.dataset.theme = value
  }, theme)
}

describe.skipIf(Boolean(blocked))('accessibility and screenshots of every main screen', () => {
  let app: RunningApp
  let browser: Browser
  const hostNames = ['exit-north-fox', 'exit-quiet-lake', 'exit-amber-hill']

  beforeAll(async () => {
    app = await startWebApp()
    browser = await launchBrowser()
    await createSimulatedHost(app, hostNames[0]!, true)
    await createSimulatedHost(app, hostNames[1]!, false)
    await createSimulatedHost(app, hostNames[2]!, false)
    await waitUntil('three active hosts', async () => {
      const list = await invokeApp<{ hosts: HostLike[] }>(app, 'hosts:list', {})
      return list.hosts.filter((host) => host.state === 'active').length === 3
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  for (const theme of THEMES) {
    it(`has no serious or critical violation on any screen, ${theme}`, async () => {
      const context = await browser.newContext({ viewport: SIZES[0], colorScheme: theme })
      context.setDefaultTimeout(15_000)
      const page = await context.newPage()
      await page.goto(app.url)
      await setTheme(page, theme)
      await page.getByTestId('host-row').nth(2).waitFor()
      // Settled screens: every tunnel ready (no state changing while axe reads the page).
      await expect.poll(() => page.locator('[data-testid="host-tunnel-state"][data-tunnel="ready"]').count(), { timeout: 20_000 }).toBe(3)
      const problems: Record<string, string[]> = {}

      problems.hosts = await seriousViolations(page)
      await screenshot(page, `ui-hosts-${theme}-1280x800`)

      await openNewHost(page)
      problems['new host'] = await seriousViolations(page)
      await screenshot(page, `ui-new-host-${theme}-1280x800`)
      await page.keyboard.press('Escape')

      await page.getByTestId('host-row').first().getByTestId('host-open-details').click()
      await page.getByTestId('host-details').waitFor()
      problems['host details'] = await seriousViolations(page)
      await screenshot(page, `ui-host-details-${theme}-1280x800`)
      await page.keyboard.press('Escape')

      await goToPage(page, 'accounts')
      problems.accounts = await seriousViolations(page)
      await page.getByTestId('account-add-open').click()
      await page.getByTestId('account-save').waitFor()
      problems['add account'] = await seriousViolations(page)
      await page.keyboard.press('Escape')

      await goToPage(page, 'settings')
      problems.settings = await seriousViolations(page)
      await screenshot(page, `ui-settings-${theme}-1280x800`)

      expect(problems).toEqual({ hosts: [], 'new host': [], 'host details': [], accounts: [], 'add account': [], settings: [] })
      await context.close()
    }, 120_000)
  }

  it('names the host in every row button, and fits every column at 800 px', async () => {
    for (const theme of THEMES) {
      const context = await browser.newContext({ viewport: SIZES[1], colorScheme: theme })
      context.setDefaultTimeout(15_000)
      const page = await context.newPage()
      await page.goto(app.url)
      await setTheme(page, theme)
      const rows = page.getByTestId('host-row')
      await rows.nth(2).waitFor()
      for (let index = 0; index < 3; index++) {
        const row = rows.nth(index)
        const name = (await row.getAttribute('data-host-name')) ?? (await row.getByTestId('host-open-details').innerText())
        const buttons = row.getByRole('button')
        const count = await buttons.count()
        expect(count).toBeGreaterThan(0)
        for (let n = 0; n < count; n++) {
          const accessibleName = await buttons.nth(n).evaluate((element) => element.getAttribute('aria-label') ?? element.textContent ?? '')
          expect(accessibleName, `button ${n} of ${name}'s row`).toContain(name.trim())
        }
        // No column off-screen: the row's last cell ends inside the window.
        const lastCell = await row.locator('[role="cell"]').last().boundingBox()
        expect(lastCell && lastCell.x + lastCell.width).toBeLessThanOrEqual(800)
      }
      await screenshot(page, `ui-hosts-${theme}-800x600`)
      await openNewHost(page)
      await screenshot(page, `ui-new-host-${theme}-800x600`)
      await context.close()
    }
  }, 90_000)
})
