/**
 * End to end in the web shell: a Linode account pointed at the fake Linode API
 * (test/fakes/linode.ts), driven through the UI in Chromium: add the account (a wrong token is
 * refused in Linode's words) → create an HTTPS host → the Linode runs and the tunnel's control
 * port answers → delete → the fake holds nothing of it (Linode, firewall, host tag).
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeLinode, type FakeLinode } from '../fakes/linode'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the Linode browser test')

/** On loopback (Linux routes all of 127/8 there), apart from the other clouds' e2e addresses. */
const LINODE_IP = '127.0.0.132' // each e2e test has an address of its own: they run at the same time

describe.skipIf(Boolean(blocked))('web shell end to end: a Linode account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeLinode
  let controlPort: Listener

  beforeAll(async () => {
    // A TLS server stands in for the inlets control port on the Linode's address: the app's
    // real tunnel probe answers from it.
    controlPort = await tlsListener(LINODE_IP, 8123)
    fake = await startFakeLinode({ provisionAfterMs: 2_000, bootAfterMs: 1_000, deleteAfterMs: 2_000, defaultFirewall: true, ipv4For: () => LINODE_IP })
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
  })

  it('adds the account, creates an HTTPS host, watches it go active, deletes it and leaves nothing', async () => {
    const { page } = await openApp(browser, app)

    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('linode')
    await page.getByTestId('account-label').fill('Fake Linode')
    await page.getByTestId('credential-token').fill('not-the-token')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    await expect.poll(() => page.getByText('Invalid Token').count(), { timeout: 10_000 }).toBeGreaterThan(0)

    await page.getByTestId('credential-token').fill(fake.token)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake Linode' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    expect(accountId).toBeTruthy()

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('fr-par')
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('g6-nanode-1')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.instances.size, { timeout: 10_000 }).toBe(1)
    const instance = [...fake.state.instances.values()][0]!
    // The host's own firewall, not the account's default, guards it: 8123, 80 and 443 only.
    const own = [...fake.state.firewalls.values()].find((firewall) => firewall.devices.includes(instance.id))!
    expect(own.label).toMatch(/^exitdesk-/)
    expect(own.inbound.map((rule) => rule.ports)).toEqual(['8123', '80', '443'])
    expect(fake.state.firewalls.get(fake.state.settings.defaultLinodeFirewall!)!.devices).toEqual([])
    // cloud-init came through metadata.user_data; no StackScript holds the tunnel token.
    expect(instance.userData).toContain('inlets-pro')
    expect(fake.state.stackscripts.size).toBe(0)

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    const ip = (await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]!
    expect(ip).toBe(LINODE_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('5.00')
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, 'linode-active')

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing billable left behind: no Linode, no firewall of the host's, no host tag.
    expect(fake.state.instances.size).toBe(0)
    expect([...fake.state.firewalls.values()].map((firewall) => firewall.label)).toEqual(['account-default'])
    expect([...fake.state.tags].filter((tag) => tag.startsWith('exitdesk-host-'))).toEqual([])
  }, 120_000)
})
