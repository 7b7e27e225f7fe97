import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeVultr, type FakeVultr } from '../fakes/vultr'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, clipboardText, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the Vultr browser test')

const INSTANCE_IP = '127.0.0.125' // each e2e test has an address of its own: they run at the same time
const MARKER = 'exitdesk-account-marker'

describe.skipIf(Boolean(blocked))('web shell end to end: a Vultr account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeVultr
  let controlPort: Listener

  beforeAll(async () => {
    // The instance's address is on loopback (Linux routes all of 127/8 there), where a TLS server
    // stands in for the inlets control port: the app's real tunnel probe answers from it.
    controlPort = await tlsListener(INSTANCE_IP, 8123)
    fake = await startFakeVultr({ activateAfterMs: 2_000, okAfterMs: 4_000, deleteAfterMs: 2_000, ipv4For: () => INSTANCE_IP })
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
  })

  it('adds the account, creates an HTTPS host, watches it go active, deletes it and leaves nothing of it', async () => {
    const { page } = await openApp(browser, app)

    // A wrong key is refused with Vultr's own words, and nothing typed is lost.
    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('vultr')
    await page.getByTestId('account-label').fill('Fake Vultr')
    await page.getByTestId('credential-token').fill('NOT-THE-KEY')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    await expect.poll(() => page.getByText('Invalid API token.').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake Vultr')

    await page.getByTestId('credential-token').fill(fake.token)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake Vultr' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    expect(accountId).toBeTruthy()
    // The account is known by its marker group, made once when the key was checked.
    expect([...fake.state.groups.values()].map((group) => group.description)).toEqual([MARKER])

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('lhr')
    // The cheapest plan with a public IPv4 in London, not the cheaper IPv6-only ones.
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('vc2-1c-1gb')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.instances.size, { timeout: 20_000 }).toBe(1)
    const instance = [...fake.state.instances.values()][0]!
    const group = fake.state.groups.get(instance.firewallGroupId)!
    expect(group.rules.map((rule) => `${rule.ip_type}/${rule.port}`).sort()).toEqual(['v4/443', 'v4/80', 'v4/8123', 'v6/443', 'v6/80', 'v6/8123'])
    expect(instance.scriptId).toBeUndefined()
    expect(instance.userData).toContain('http://169.254.169.254/v1/interfaces/0/ipv4/address')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    const ip = (await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]!
    expect(ip).toBe(INSTANCE_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('5.00')
    // VM and tunnel are two signals: the control port answers TLS, but the domain cannot point
    // here (example.com is reserved, never looked up) and nothing serves 80/443.
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await tunnel.getAttribute('data-tunnel')).toBe('not-ready')
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, 'vultr-active')

    await rowAction(row, 'host-copy-command')
    await page.getByTestId('client-upstream').fill('http://127.0.0.1:3000')
    await page.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain(`wss://${ip}:8123`)

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing of the host left: no instance, no firewall group; only the account's marker.
    expect(fake.state.instances.size).toBe(0)
    expect([...fake.state.groups.values()].map((kept) => kept.description)).toEqual([MARKER])
    await screenshot(page, 'vultr-after-teardown')
  }, 120_000)
})
