/**
 * End to end in the web shell: a Google Compute Engine account pointed at the fake Compute API
 * (test/fakes/gce.ts) through the UI. The app uses its real credential path: the pasted
 * service-account key signs its own JWT, which the fake checks against the key's public half;
 * nothing leaves 127.0.0.1.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGce, type FakeGce } from '../fakes/gce'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the Google Compute Engine browser test')

/** The instance's external IPv4, on loopback, where a TLS server stands in for the inlets control port. */
const INSTANCE_IP = '127.0.0.131'

describe.skipIf(Boolean(blocked))('web shell end to end: a Google Compute Engine account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeGce
  let controlPort: Listener

  beforeAll(async () => {
    controlPort = await tlsListener(INSTANCE_IP, 8123)
    fake = await startFakeGce({ operationMs: 1_000, stagingAfterMs: 1_000, runningAfterMs: 3_000, deleteAfterMs: 2_000, ipv4For: () => INSTANCE_IP })
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
  })

  it('adds the account with a JSON key, creates an HTTPS host, watches it go active, deletes it and leaves nothing', async () => {
    const { page } = await openApp(browser, app)

    // A key Google no longer accepts is refused with Google's words; nothing typed is lost.
    const revoked = fake.newKey()
    fake.revokeKey(revoked.client_email)
    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('gce')
    await page.getByTestId('account-label').fill('Fake GCE')
    // The key is pasted as the file is: pretty-printed JSON over many lines.
    await page.getByTestId('credential-serviceAccountKey').fill(JSON.stringify(revoked, null, 2))
    await page.getByTestId('credential-projectId').fill(fake.project)
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    await expect.poll(() => page.getByText('invalid authentication credentials').count(), { timeout: 15_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake GCE')
    // Nothing of the key is on the page.
    expect(await page.locator('body').innerText()).not.toContain(revoked.client_id)

    const key = fake.newKey()
    await page.getByTestId('credential-serviceAccountKey').fill(JSON.stringify(key, null, 2))
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake GCE' })
    await expect.poll(() => accountRow.count(), { timeout: 15_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    expect(accountId).toBeTruthy()

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 15_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('us-central1-a')
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('e2-micro')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.instances.size, { timeout: 30_000 }).toBe(1)
    expect(fake.state.firewalls.size).toBe(1)
    const rule = [...fake.state.firewalls.values()][0]!
    expect(rule.body.allowed).toEqual([{ IPProtocol: 'tcp', ports: ['8123', '80', '443'] }])
    const instance = [...fake.state.instances.values()][0]!
    expect(instance.networkTags).toEqual(rule.body.targetTags)
    expect(instance.metadata.find((item) => item.key === 'user-data')?.value).toContain('inlets')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 40_000 }).toBe('active')
    const ip = (await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]!
    expect(ip).toBe(INSTANCE_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('10.17')
    // VM and tunnel separately: the control port answers TLS; the reserved domain cannot point here.
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, '09-gce-active')

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 60_000 }).toBe(0)

    // Nothing billable left behind: no instance (its disk and ephemeral address go with it), no rule, no address.
    expect(fake.state.instances.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect(fake.state.addresses.size).toBe(0)
    // Every request carried a JWT signed by the pasted key (the fake refused anything else with 401).
    expect(fake.requests.filter((r) => r.status === 401).length).toBeGreaterThan(0)
  }, 150_000)
})
