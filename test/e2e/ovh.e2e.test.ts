/**
 * End to end in the web shell: an OVHcloud account pointed at the fake API (127.0.0.1 only, its
 * clock an hour off this machine's), through the UI — add account (a wrong secret first, refused
 * in OVH's words) → create a TCP host → provisioning → VM running with the tunnel probed →
 * delete → the fake holds no instance.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOvh, type FakeOvh } from '../fakes/ovh'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the OVHcloud browser test')

/** The instance's address is on loopback, where a TLS server stands in for the inlets control port. */
const SERVER_IP = '127.0.0.87'

describe.skipIf(Boolean(blocked))('web shell end to end: an OVHcloud account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeOvh
  let controlPort: Listener

  beforeAll(async () => {
    controlPort = await tlsListener(SERVER_IP, 8123)
    fake = await startFakeOvh({ activateAfterMs: 3_000, deleteAfterMs: 2_000, clockSkewSeconds: 3_600, ipv4For: () => SERVER_IP, projectDescription: 'Tunnels' })
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
  })

  it('adds the account, creates a TCP host, watches it go active, deletes it and leaves nothing', async () => {
    const { page } = await openApp(browser, app)

    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('ovh')
    await page.getByTestId('account-label').fill('Fake OVH')
    await page.getByTestId('credential-applicationKey').fill(fake.credentials.applicationKey)
    await page.getByTestId('credential-applicationSecret').fill('not-the-application-secret')
    await page.getByTestId('credential-consumerKey').fill(fake.credentials.consumerKey)
    await page.getByTestId('credential-projectId').fill(fake.projectId)
    // The API region is left empty: ovh-eu.
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    // Refused in OVH's words, and nothing typed is lost.
    await expect.poll(() => page.getByText('Invalid signature').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake OVH')

    await page.getByTestId('credential-applicationSecret').fill(fake.credentials.applicationSecret)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake OVH' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('GRA11')
    // The cheapest priced flavor, its IPv4 included.
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('d2-2')
    await screenshot(page, 'ovh-create-tcp')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.instances.size, { timeout: 10_000 }).toBe(1)
    const instance = [...fake.state.instances.values()][0]!
    // Named by its host tag, so a retried create finds it; cloud-init as plain text in userData.
    expect(instance.name).toMatch(/^exitdesk-host-[0-9a-f-]{36}\./)
    expect(instance.userData).toMatch(/inlets/)
    expect(instance.monthlyBilling).toBe(false)

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    expect((await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]).toBe(SERVER_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('7.23')
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel (server answering|ready)/)
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, 'ovh-active')

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing billable left behind: the instance is the only thing made per host.
    fake.settle()
    expect(fake.state.instances.size).toBe(0)
    // Every signed request was accepted although this machine's clock is an hour off the API's: the time was asked once.
    expect(fake.requests.filter((request) => request.path === '/auth/time').length).toBeLessThanOrEqual(2)
    await screenshot(page, 'ovh-after-teardown')
  }, 120_000)
})
