/**
 * End to end in the web shell: a Civo account pointed at the fake API (127.0.0.1 only), through
 * the UI — add account → create an HTTPS host → provisioning → VM running with the tunnel probed
 * → delete → the fake holds no instance, no firewall and no public IP of it.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeCivo, type FakeCivo } from '../fakes/civo'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, clipboardText, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the Civo browser test')

/** The instance's address is on loopback, where a TLS server stands in for the inlets control port. */
const SERVER_IP = '127.0.0.73'

describe.skipIf(Boolean(blocked))('web shell end to end: a Civo account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeCivo
  let controlPort: Listener

  beforeAll(async () => {
    controlPort = await tlsListener(SERVER_IP, 8123)
    fake = await startFakeCivo({ activateAfterMs: 3_000, deleteAfterMs: 2_000, ipv4For: () => SERVER_IP })
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
    await page.getByTestId('account-cloud').selectOption('civo')
    await page.getByTestId('account-label').fill('Fake Civo')
    await page.getByTestId('credential-token').fill('not-the-key')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    // Refused in Civo's words, and nothing typed is lost.
    await expect.poll(() => page.getByText('Authentication with that API key failed').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake Civo')

    await page.getByTestId('credential-token').fill(fake.token)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake Civo' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    // The check only read: nothing was made in the account.
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([])

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('LON1')
    // The cheapest instance size, its public IPv4 included in the price.
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('g4s.xsmall')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await screenshot(page, 'civo-create-https')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.instances.size, { timeout: 10_000 }).toBe(1)
    const instance = [...fake.state.instances.values()][0]!
    const firewall = fake.state.firewalls.get(instance.firewallId)!
    expect(firewall.rules.filter((rule) => rule.direction === 'ingress').map((rule) => rule.start_port).sort()).toEqual(['443', '80', '8123'])
    // The start-up script is Exitdesk's bash script, which Civo runs as a program.
    expect(instance.script.startsWith('#!/bin/bash\n')).toBe(true)
    expect(instance.tags[0]).toBe('exitdesk')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    expect((await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]).toBe(SERVER_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('5.00')
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, 'civo-active')

    await rowAction(row, 'host-copy-command')
    await page.getByTestId('client-upstream').fill('http://127.0.0.1:3000')
    await page.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain(`wss://${SERVER_IP}:8123`)

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing billable left behind: no instance, no firewall, no public IP.
    fake.settle()
    expect(fake.state.instances.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect(fake.state.ips.size).toBe(0)
    await screenshot(page, 'civo-after-teardown')
  }, 120_000)
})
