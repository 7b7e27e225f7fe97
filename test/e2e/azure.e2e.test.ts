/**
 * Web shell end to end with an Azure account pointed at the fake ARM + Entra ID
 * (test/fakes/azure.ts) on https://127.0.0.1: add the account (a wrong secret first) → create
 * a TCP host → provisioning → VM running with the tunnel server answering → delete → the fake
 * holds nothing (VM, NIC, public IP, NSG, disk, VNet, resource group).
 * The web shell is a child process: it trusts the fake's throwaway certificate through
 * NODE_EXTRA_CA_CERTS, and its identity library is pointed at the fake because the account's
 * endpoint is not a Microsoft cloud (src/main/clouds/azure/client.ts `cloudEndpoints`).
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeAzure, type FakeAzure } from '../fakes/azure'
import { makeCertificate, opensslAvailable, type FakeCertificate } from '../fakes/azure-tls'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestsBlocked, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestsBlocked() ?? (opensslAvailable() ? undefined : 'openssl is not installed (the fake Azure needs a throwaway TLS certificate).')
if (blocked && process.env.CI) throw new Error(`End-to-end tests must run in CI: ${blocked}`)
if (blocked) console.warn(`[e2e] Skipping the Azure browser test: ${blocked}`)

const VM_IP = '127.0.0.124'

describe.skipIf(Boolean(blocked))('web shell end to end: an Azure account pointed at the fake ARM', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeAzure
  let certificate: FakeCertificate
  let controlPort: Listener

  beforeAll(async () => {
    // The VM's address is on loopback, where a TLS server stands in for the inlets control port.
    controlPort = await tlsListener(VM_IP, 8123)
    certificate = makeCertificate()
    fake = await startFakeAzure({ certificate, provisionAfterMs: 500, vmAfterMs: 2_000, deleteAfterMs: 1_500, ipv4For: () => VM_IP })
    app = await startWebApp({ NODE_EXTRA_CA_CERTS: certificate.certFile })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
    certificate?.remove()
  })

  it('adds the account, creates a TCP host, sees VM and tunnel up, deletes it and leaves nothing', async () => {
    const { page } = await openApp(browser, app)

    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('azure')
    await page.getByTestId('account-label').fill('Fake Azure')
    await page.getByTestId('credential-tenantId').fill(fake.tenantId)
    await page.getByTestId('credential-clientId').fill(fake.clientId)
    await page.getByTestId('credential-clientSecret').fill('not-the-secret-0123456789')
    await page.getByTestId('credential-subscriptionId').fill(fake.subscriptionId)
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    // Entra ID's own words, never the secret typed.
    await expect.poll(() => page.getByText('AADSTS7000215').count(), { timeout: 15_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-error').innerText()).not.toContain('not-the-secret-0123456789')

    await page.getByTestId('credential-clientSecret').fill(fake.clientSecret)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake Azure' })
    await expect.poll(() => accountRow.count(), { timeout: 15_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 15_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('eastus')
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('Standard_B1ls')
    await page.getByTestId('create-mode-tcp').check()
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('provisioning')
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).toBe('active')
    expect((await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]).toBe(VM_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('8.99')
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.getAttribute('data-tunnel'), { timeout: 30_000 }).toBe('ready')
    expect(controlPort.connections()).toBeGreaterThan(0)
    expect(fake.inventory()).toEqual({ groups: 1, vms: 1, nics: 1, publicIps: 1, nsgs: 1, vnets: 1, disks: 1 })
    const nsg = [...fake.resources.values()].find((resource) => resource.type === 'microsoft.network/networksecuritygroups')!
    expect(nsg.properties.securityRules).toEqual([expect.objectContaining({ properties: expect.objectContaining({ destinationPortRange: '*', protocol: 'Tcp' }) })])
    await screenshot(page, '09-azure-active')

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 60_000 }).toBe(0)
    expect(fake.inventory()).toEqual({ groups: 0, vms: 0, nics: 0, publicIps: 0, nsgs: 0, vnets: 0, disks: 0 })
    // Identity only ever went to the fake: every token came from its endpoint.
    expect(fake.tokenRequests()).toBeGreaterThan(0)
  }, 180_000)
})
