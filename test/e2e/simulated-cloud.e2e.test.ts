import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestSkipReason, clipboardText, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the simulated-cloud browser test')

describe.skipIf(Boolean(blocked))('web shell end to end: the simulated cloud', () => {
  let app: RunningApp
  let browser: Browser

  beforeAll(async () => {
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('a new user creates a simulated host, sees it go active, copies the command and deletes it', async () => {
    const { page } = await openApp(browser, app)
    await expect.poll(() => page.getByTestId('hosts-empty').isVisible(), { timeout: 10_000 }).toBe(true)
    await screenshot(page, '01-first-start')
    await openNewHost(page)
    await expect.poll(() => page.getByTestId('create-account').inputValue()).toBe('simulated')
    expect(await page.getByTestId('simulated-tag').count()).toBeGreaterThan(0)
    await screenshot(page, '01b-new-host-dialog')

    await page.getByTestId('create-submit').click()
    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await screenshot(page, '02-provisioning')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('active')
    const ip = (await row.getByTestId('host-ip').innerText()).trim()
    expect(ip).toMatch(/^203\.0\.113\.\d+/)
    // The VM runs before its tunnel does: the tunnel line has its own state, simulated here.
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.getAttribute('data-tunnel'), { timeout: 20_000 }).toBe('ready')
    expect(await tunnel.innerText()).toBe('tunnel ready (simulated)')
    expect(await row.getByTestId('host-state').innerText()).toBe('VM running')
    expect(await row.getByTestId('host-state').getAttribute('class')).toBe('badge badge-active') // green: VM and tunnel both up
    await screenshot(page, '03-active')

    // The copy dialog: the user's upstream and ports; the token from a 0600 file by default.
    await rowAction(row, 'host-copy-command')
    const dialog = page.getByTestId('client-command-dialog')
    await dialog.getByTestId('client-upstream').fill('192.168.1.20')
    await dialog.getByTestId('client-ports').fill('2222, 8080')
    await screenshot(page, '03b-client-command-dialog')
    await dialog.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain('inlets-pro tcp client')
    const command = await clipboardText(page)
    expect(command).toContain(`wss://${ip.split(/\s/)[0]}:8123`)
    expect(command).toContain('--upstream "192.168.1.20" --ports 2222,8080')
    expect(command).toContain('--license-file "$HOME/.inlets/LICENSE"')
    const tokenFile = /--token-file "([^"]+)"/.exec(command)?.[1]
    expect(tokenFile?.startsWith(join(app.dataDir, 'tunnel-tokens'))).toBe(true)
    expect(await readFile(tokenFile!, 'utf8')).toMatch(/^[A-Za-z0-9]{64}$/)
    expect(command).not.toMatch(/--token "/)
    expect(await page.getByTestId('copy-notes').innerText()).toContain(tokenFile!) // in the detail row under the host

    // Inline only when asked; the dialog starts from the last values.
    await rowAction(row, 'host-copy-command')
    expect(await dialog.getByTestId('client-ports').inputValue()).toBe('2222,8080')
    await dialog.getByTestId('client-token-inline').check()
    await dialog.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toMatch(/--token "[A-Za-z0-9]{64}"/)

    await rowAction(row, 'host-delete')
    await screenshot(page, '04-confirm-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 20_000 }).toBe(0)
    await expect.poll(() => page.getByTestId('hosts-empty').isVisible()).toBe(true)

    // Nothing left in the simulated cloud.
    const cloud = JSON.parse(await readFile(join(app.dataDir, 'simulated-cloud.json'), 'utf8')) as { instances: unknown[]; firewalls: unknown[] }
    expect(cloud.instances).toHaveLength(0)
    expect(cloud.firewalls).toHaveLength(0)
  }, 90_000)
})

describe.skipIf(Boolean(blocked))('web shell end to end: no keyring on the machine', () => {
  let app: RunningApp
  let browser: Browser

  beforeAll(async () => {
    // A D-Bus address that leads nowhere: keytar loads, but no Secret Service answers.
    app = await startWebApp({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/exitdesk-test-bus' })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('says so plainly, refuses to store a cloud credential, and the simulated cloud still works', async () => {
    const { page } = await openApp(browser, app)
    const banner = page.getByTestId('keyring-banner')
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true)
    expect(await banner.innerText()).toMatch(/keyring/i)
    await screenshot(page, '09-no-keyring')

    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('digitalocean')
    await page.getByTestId('account-label').fill('Would be lost')
    await page.getByTestId('credential-token').fill('dop_v1_example')
    await page.getByTestId('account-save').click()
    await expect.poll(() => page.getByTestId('account-error').innerText(), { timeout: 20_000 }).toMatch(/keyring/i)
    expect(await page.getByTestId('account-row').count()).toBe(1) // only the built-in simulated cloud
    expect(await page.getByTestId('account-label').inputValue()).toBe('Would be lost') // the dialog stays, with what was typed
    await page.keyboard.press('Escape')

    await openNewHost(page)
    await page.getByTestId('create-submit').click()
    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('active')
    await rowAction(row, 'host-copy-command')
    await page.getByTestId('client-command-dialog').getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain('inlets-pro tcp client')
    expect(app.output()).not.toMatch(/\n\s+at .+:\d+:\d+/) // no stack trace printed
  }, 90_000)
})
