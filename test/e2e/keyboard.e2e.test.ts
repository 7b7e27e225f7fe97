/**
 * The whole life of a host with the keyboard alone — no click, no fill: Tab to *New host*,
 * create on the simulated cloud, wait for it to be ready, *Connect…* and copy the client
 * command, then delete it from the row's menu and confirm. Focus is checked at each step,
 * so a step that drops focus to the page (what the old window did after Create) fails here.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { browserTestSkipReason, clipboardText, openApp, screenshot, withWebAppAndBrowser } from './support'

const blocked = browserTestSkipReason('the keyboard-only browser test')

/** The focused element's test id (or its tag and text when it has none). */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement
    if (!element || element === document.body) return '(body)'
    return element.getAttribute('data-testid') ?? `${element.tagName.toLowerCase()}:${(element.textContent ?? '').trim().slice(0, 40)}`
  })
}

/** Presses Tab until the element with `testId` has focus; fails after `limit` presses. */
async function tabTo(page: Page, testId: string, limit = 40): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab')
    if ((await focusedId(page)) === testId) return presses
  }
  throw new Error(`${testId} was not reached in ${limit} presses of Tab (focus is on ${await focusedId(page)}).`)
}

describe.skipIf(Boolean(blocked))('web shell end to end: keyboard only', () => {
  const shell = withWebAppAndBrowser()

  it('creates a host, copies its client command and deletes it without the mouse', async () => {
    const { page } = await openApp(shell.browser(), shell.app())
    await page.getByTestId('hosts-empty').waitFor()

    // New host is a few presses from the top of the window (it was 71 in the old one-page window).
    const presses = await tabTo(page, 'new-host-open')
    expect(presses).toBeLessThanOrEqual(12)
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedId(page)).toBe('create-account')
    await expect.poll(() => page.getByTestId('create-account').inputValue()).toBe('simulated')
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).not.toBe('Loading…')

    // Tab through the form to Create, and press it.
    await tabTo(page, 'create-submit')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByRole('dialog', { name: 'New host' }).count(), { timeout: 10_000 }).toBe(0)
    // Focus goes back to New host, not to the page.
    expect(await focusedId(page)).toBe('new-host-open')
    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('active')
    const name = (await row.getAttribute('data-host-name'))!

    // The row's primary action: Connect…, reached with Tab; its dialog copies the command.
    await tabTo(page, 'host-copy-command')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '')).toContain(name)
    await page.keyboard.press('Enter')
    const dialog = page.getByTestId('client-command-dialog')
    await dialog.waitFor()
    await tabTo(page, 'client-copy')
    await page.keyboard.press('Enter')
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain('inlets-pro tcp client')
    await expect.poll(() => dialog.count()).toBe(0)
    expect(await focusedId(page)).toBe('host-copy-command')

    // The row's menu: open it with Enter, arrow down to Delete, confirm (Cancel has focus first).
    await tabTo(page, 'host-menu', 3)
    await page.keyboard.press('Enter')
    const menu = page.getByRole('menu')
    await menu.waitFor()
    const seen: string[] = [await focusedId(page)]
    for (let step = 0; step < 10 && seen.at(-1) !== 'host-delete'; step++) {
      await page.keyboard.press('ArrowDown')
      // Radix moves focus in a task after the key (its roving focus), as a person's next press would wait.
      await page.waitForTimeout(80)
      seen.push(await focusedId(page))
    }
    expect(seen.at(-1), seen.join(' → ')).toBe('host-delete')
    await page.keyboard.press('Enter')
    const confirm = page.getByRole('alertdialog')
    await confirm.waitFor()
    expect(await confirm.innerText()).toContain(name)
    expect(await focusedId(page)).not.toBe('confirm-delete') // the safe choice first
    await screenshot(page, 'keyboard-confirm-delete')
    await tabTo(page, 'confirm-delete', 4)
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 20_000 }).toBe(0)
    // Focus is somewhere sensible on the page, not lost with the removed row.
    await expect.poll(() => focusedId(page)).not.toBe('(body)')
  }, 90_000)
})
