import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, clipboardText, goToPage, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the DigitalOcean browser test')

const DROPLET_IP = '127.0.0.123'

describe.skipIf(Boolean(blocked))('web shell end to end: a DigitalOcean account pointed at the fake API', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeDigitalOcean
  let controlPort: Listener

  beforeAll(async () => {
    // The droplet's address is on loopback (Linux routes all of 127/8 there), where a TLS server
    // stands in for the inlets control port: the app's real tunnel probe answers from it.
    controlPort = await tlsListener(DROPLET_IP, 8123)
    fake = await startFakeDigitalOcean({ activateAfterMs: 3_000, deleteAfterMs: 2_000, ipv4For: () => DROPLET_IP })
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
  })

  it('adds the account, creates an HTTPS host, watches it go active, copies the command, deletes it and leaves nothing', async () => {
    const { page } = await openApp(browser, app)

    // A wrong token is refused with the provider's words, and nothing typed is lost.
    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('digitalocean')
    await page.getByTestId('account-label').fill('Fake DigitalOcean')
    await page.getByTestId('credential-token').fill('not-the-token')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    await expect.poll(() => page.getByText('Unable to authenticate you').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake DigitalOcean')
    await screenshot(page, '05-account-error')

    await page.getByTestId('credential-token').fill(fake.token)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake DigitalOcean' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    expect(accountId).toBeTruthy()

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('lon1')
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('s-1vcpu-512mb-10gb')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await screenshot(page, '06-create-https')

    // DigitalOcean refuses the droplet once: the user reads its words, the form keeps what was
    // typed, and the firewall and tag already made for the host are removed again.
    fake.setFailure({ method: 'POST', path: '/v2/droplets', status: 422, body: { id: 'unprocessable_entity', message: 'Size is not available in this region.' }, times: 1 })
    await page.getByTestId('create-submit').click()
    await expect.poll(() => page.getByTestId('create-error').innerText(), { timeout: 10_000 }).toContain('Size is not available in this region.')
    expect(await page.getByTestId('create-domains').inputValue()).toBe('tunnel.example.com')
    await screenshot(page, '06b-create-refused')
    const hostTags = (): number => [...fake.state.tags].filter((tag) => tag.startsWith('exitdesk-host-')).length
    // The teardown removes one resource a step: the firewall, then the tag, then the row goes.
    await expect.poll(async () => fake.state.firewalls.size + hostTags() + (await page.getByTestId('host-row').count()), { timeout: 20_000 }).toBe(0)
    expect(fake.state.droplets.size).toBe(0)

    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('provisioning')
    await expect.poll(() => fake.state.droplets.size, { timeout: 10_000 }).toBe(1)
    expect(fake.state.firewalls.size).toBe(1)
    const firewall = [...fake.state.firewalls.values()][0]!
    expect(firewall.inbound_rules.map((r) => r.ports).sort()).toEqual(['443', '80', '8123'])

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    const ip = (await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]!
    expect(ip).toBe(DROPLET_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('4.00')
    // The header's running total is this one host's price.
    expect(await page.getByTestId('total-monthly').innerText()).toBe('$4.00')
    // VM and tunnel are two signals: the VM runs and the control port answers TLS, but the
    // domain cannot point here (example.com is reserved, so it is never even looked up) and
    // nothing serves 80/443, so the badge is not green.
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await tunnel.innerText()).toMatch(/tunnel\.example\.com/)
    expect(await tunnel.getAttribute('data-tunnel')).toBe('not-ready')
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(await row.getByTestId('host-state').getAttribute('class')).not.toMatch(/badge-active(\s|$)/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, '07-digitalocean-active')

    await rowAction(row, 'host-copy-command')
    await page.getByTestId('client-upstream').fill('http://127.0.0.1:3000')
    await page.getByTestId('client-copy').click()
    await expect.poll(() => clipboardText(page), { timeout: 5_000 }).toContain('inlets-pro http client')
    expect(await clipboardText(page)).toContain(`wss://${ip}:8123`)
    expect(await clipboardText(page)).toContain('--upstream "tunnel.example.com=http://127.0.0.1:3000"')
    expect(await clipboardText(page)).toContain('--token-file "')
    // The droplet finds its public IPv4 from DigitalOcean's metadata service, then over IPv4 outside.
    const userData = [...fake.state.droplets.values()][0]!.userData!
    expect(userData).toContain('http://169.254.169.254/metadata/v1/interfaces/public/0/ipv4/address')
    expect(userData).not.toContain('letsencrypt-email')

    // The token is revoked in DigitalOcean: the account says so plainly, and a new token fixes it.
    fake.setFailure({ method: 'GET', path: '/v2/droplets', status: 401, body: { id: 'unauthorized', message: 'Unable to authenticate you' } })
    // The table is settled (slow poll): reloading asks for a fresh list, as reopening the window would.
    await goToPage(page, 'accounts')
    await expect
      .poll(
        async () => {
          await page.reload()
          return accountRow.getByTestId('account-status').innerText()
        },
        { timeout: 20_000, interval: 2_000 },
      )
      .toMatch(/failing.*Unable to authenticate you/s)
    await screenshot(page, '07b-credential-failing')
    fake.clearFailures()
    await accountRow.getByTestId('account-replace-open').click()
    await accountRow.getByTestId('replace-credential-token').fill(fake.token)
    await accountRow.getByTestId('replace-save').click()
    await expect.poll(() => accountRow.getByTestId('account-status').innerText(), { timeout: 10_000 }).toMatch(/^\s*ok/)

    await goToPage(page, 'hosts')
    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 40_000 }).toBe(0)

    // Nothing billable left behind: no droplet, no firewall.
    expect(fake.state.droplets.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect([...fake.state.tags].filter((tag) => tag.startsWith('exitdesk-host-'))).toEqual([])
    await screenshot(page, '08-after-teardown')
  }, 120_000)
})
