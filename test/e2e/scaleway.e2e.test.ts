/**
 * End to end in the web shell: a Scaleway account pointed at the fake API (127.0.0.1 only),
 * through the UI — add account → create an HTTPS host → provisioning (security group, flexible
 * IP, stopped server, cloud-init, poweron, as recorded steps) → VM running with the tunnel probed
 * → delete → the fake holds no server, volume, flexible IP or security group of it.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeScaleway, type FakeScaleway } from '../fakes/scaleway'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the Scaleway browser test')

/** The server's address is on loopback, where a TLS server stands in for the inlets control port. */
const SERVER_IP = '127.0.0.74' // each e2e test has an address of its own: they run at the same time

describe.skipIf(Boolean(blocked))('web shell end to end: a Scaleway account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeScaleway
  let controlPort: Listener

  beforeAll(async () => {
    controlPort = await tlsListener(SERVER_IP, 8123)
    fake = await startFakeScaleway({ activateAfterMs: 3_000, deleteAfterMs: 2_000, ipv4For: () => SERVER_IP })
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
    await page.getByTestId('account-cloud').selectOption('scaleway')
    await page.getByTestId('account-label').fill('Fake Scaleway')
    await page.getByTestId('credential-accessKey').fill('SCW0123456789ABCDEFG')
    await page.getByTestId('credential-secretKey').fill('00000000-0000-4000-8000-000000000000')
    await page.getByTestId('credential-projectId').fill(fake.projectId)
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    // Refused in Scaleway's words, and nothing typed is lost.
    await expect.poll(() => page.getByText('invalid authentication').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake Scaleway')

    await page.getByTestId('credential-secretKey').fill(fake.secretKey)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake Scaleway' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('fr-par-1')
    // The cheapest type there, its flexible IPv4 included in the price.
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('STARDUST1-S')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => [...fake.state.servers.values()].some((server) => server.state !== 'stopped'), { timeout: 20_000 }).toBe(true)
    const server = [...fake.state.servers.values()][0]!
    const group = fake.state.groups.get(server.securityGroup)!
    expect(group.inbound).toBe('drop')
    expect(group.rules.filter((rule) => rule.ip_range === '0.0.0.0/0').map((rule) => rule.dest_port_from).sort()).toEqual([443, 80, 8123])
    expect(server.userData.get('cloud-init')).toContain('inlets')
    expect(server.tags).toContain('exitdesk')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    expect((await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]).toBe(SERVER_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('7.28')
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, 'scaleway-active')

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing billable left behind.
    fake.settle()
    expect(fake.state.servers.size).toBe(0)
    expect(fake.state.volumes.size).toBe(0)
    expect(fake.state.ips.size).toBe(0)
    expect(fake.state.groups.size).toBe(0)
  }, 120_000)
})
