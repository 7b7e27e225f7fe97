/**
 * The Settings page and the header: the theme (the system's by default, the header's toggle,
 * remembered across a reload), the default "Delete after" reaching the New host dialog, the
 * desktop window's keep-in-tray setting reaching main, and Escape closing "Add account".
 */
import { describe, expect, it } from 'vitest'
import { browserTestSkipReason, goToPage, invokeApp, openAddAccount, openNewHost, screenshot, withWebAppAndBrowser } from './support'

const blocked = browserTestSkipReason('the settings browser test')

interface SettingsLike {
  autoTeardown: { defaultAfter: string; teardownOnQuit: boolean }
  window: { keepRunningInTray: boolean }
}

describe.skipIf(Boolean(blocked))('web shell end to end: settings and the header', () => {
  const shell = withWebAppAndBrowser()

  it('follows the system theme, switches with the header toggle, and remembers the choice', async () => {
    const context = await shell.browser().newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    await page.goto(shell.app().url)
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme)
    await page.getByTestId('theme-toggle').waitFor()
    expect(await theme()).toBe('dark') // the system's, by default
    await page.emulateMedia({ colorScheme: 'light' })
    await expect.poll(theme).toBe('light') // followed live

    await page.getByTestId('theme-toggle').click()
    expect(await theme()).toBe('dark')
    expect(await page.getByTestId('theme-toggle').getAttribute('aria-label')).toBe('Switch to light theme')
    await page.reload()
    await page.getByTestId('theme-toggle').waitFor()
    expect(await theme()).toBe('dark') // remembered, although the system is light

    await goToPage(page, 'settings')
    expect(await page.getByTestId('settings-theme-dark').isChecked()).toBe(true)
    await page.getByTestId('settings-theme-system').check()
    expect(await theme()).toBe('light')
    await context.close()
  }, 60_000)

  it('saves the default "Delete after" and the tray setting in main, and Escape closes Add account', async () => {
    const context = await shell.browser().newContext({ viewport: { width: 1280, height: 800 } })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    await page.goto(shell.app().url)
    await goToPage(page, 'settings')
    await page.getByTestId('settings-default-delete-after').selectOption('24h')
    await expect.poll(async () => (await invokeApp<SettingsLike>(shell.app(), 'settings:get', {})).autoTeardown.defaultAfter).toBe('24h')
    expect(await page.getByTestId('settings-keep-in-tray').isChecked()).toBe(true)
    await page.getByTestId('settings-keep-in-tray').uncheck()
    await expect.poll(async () => (await invokeApp<SettingsLike>(shell.app(), 'settings:get', {})).window.keepRunningInTray).toBe(false)
    await screenshot(page, 'settings-saved')

    // The New host dialog starts from the new default.
    await openNewHost(page)
    expect(await page.getByTestId('create-delete-after').inputValue()).toBe('24h')
    await page.keyboard.press('Escape')

    // Add account is a dialog: Escape closes it and gives focus back to its button.
    await openAddAccount(page)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('account-save').count()).toBe(0)
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('account-add-open')
    await context.close()
  }, 60_000)
})
