/**
 * End to end in the web shell: a Hetzner Cloud account pointed at the fake API (127.0.0.1 only),
 * through the UI — add account → create an HTTPS host → provisioning → VM running with the
 * tunnel probed → delete → the fake holds no server, no firewall and no primary IP of it.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeHetzner, type FakeHetzner } from '../fakes/hetzner'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, clipboardText, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the Hetzner Cloud browser test')

/** The server's address is on loopback, where a TLS server stands in for the inlets control port. */
const SERVER_IP = '127.0.0.71'
const MARKER = 'exitdesk-project-marker'

describe.skipIf(Boolean(blocked))('web shell end to end: a Hetzner Cloud account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeHetzner
  let controlPort: Listener

  beforeAll(async () => {
    controlPort = await tlsListener(SERVER_IP, 8123)
    fake = await startFakeHetzner({ activateAfterMs: 3_000, deleteAfterMs: 2_000, ipv4For: () => SERVER_IP })
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
    await page.getByTestId('account-cloud').selectOption('hetzner')
    await page.getByTestId('account-label').fill('Fake Hetzner')
    await page.getByTestId('credential-token').fill('not-the-token')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    // Refused in Hetzner's words, and nothing typed is lost.
    await expect.poll(() => page.getByText('unable to authenticate').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake Hetzner')

    await page.getByTestId('credential-token').fill(fake.token)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake Hetzner' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    // The project is known by the marker the first check made.
    expect([...fake.state.firewalls.values()].filter((firewall) => firewall.name === MARKER)).toHaveLength(1)

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('hel1')
    // The cheapest type there, its primary IPv4 included in the price.
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('cx23')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await screenshot(page, 'hetzner-create-https')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.servers.size, { timeout: 10_000 }).toBe(1)
    const server = [...fake.state.servers.values()][0]!
    const firewall = fake.state.firewalls.get(server.firewallIds[0]!)!
    expect(firewall.rules.map((rule) => rule.port).sort()).toEqual(['443', '80', '8123'])
    expect(server.image.name).toBe('ubuntu-24.04')
    // The server finds its public IPv4 from Hetzner's metadata service first.
    expect(server.userData).toContain('http://169.254.169.254/hetzner/v1/metadata/public-ipv4')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    expect((await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]).toBe(SERVER_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('5.35')
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, 'hetzner-active')

    await rowAction(row, 'host-copy-command')
    await page.getByTestId('client-upstream').fill('http://127.0.0.1:3000')
    await page.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain(`wss://${SERVER_IP}:8123`)

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing billable left behind: no server, no firewall but the project marker, no primary IP.
    fake.settle()
    expect(fake.state.servers.size).toBe(0)
    expect([...fake.state.firewalls.values()].map((kept) => kept.name)).toEqual([MARKER])
    expect(fake.state.primaryIps.size).toBe(0)
    await screenshot(page, 'hetzner-after-teardown')
  }, 120_000)
})
