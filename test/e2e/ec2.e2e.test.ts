import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeEc2, type FakeEc2 } from '../fakes/ec2'
import { ec2ModelMissing } from '../fakes/ec2-model'
import { tlsListener, type Listener } from '../support/listeners'
import { browserTestSkipReason, launchBrowser, openAddAccount, openApp, openNewHost, rowAction, type RunningApp, screenshot, startWebApp } from './support'

const blocked = browserTestSkipReason('the EC2 browser test')

const INSTANCE_IP = '127.0.0.142'

describe.skipIf(Boolean(blocked))('web shell end to end: an AWS EC2 account pointed at the fake EC2, STS and SSM', () => {
  let app: RunningApp
  let browser: Browser
  let fake: FakeEc2
  let controlPort: Listener

  beforeAll(async () => {
    // The instance's address is on loopback (Linux routes all of 127/8 there), where a TLS server
    // stands in for the inlets control port: the app's real tunnel probe answers from it.
    controlPort = await tlsListener(INSTANCE_IP, 8123)
    fake = await startFakeEc2({ runAfterMs: 3_000, terminateAfterMs: 2_000, releaseAfterMs: 1_000, ipv4For: () => INSTANCE_IP, regions: ['us-east-1', 'eu-west-1', 'eu-central-1'] })
    app = await startWebApp()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await fake?.close()
    await controlPort?.close()
  })

  it('adds the account, creates an HTTPS host, watches VM and tunnel come up, deletes it and leaves no instance or security group', async () => {
    const { page } = await openApp(browser, app)

    // A wrong secret is refused with AWS's words; what was typed stays.
    await openAddAccount(page)
    await page.getByTestId('account-cloud').selectOption('ec2')
    await page.getByTestId('account-label').fill('Fake AWS')
    await page.getByTestId('credential-accessKeyId').fill(fake.accessKeyId)
    await page.getByTestId('credential-secretAccessKey').fill('not-the-secret')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('account-endpoint').fill(fake.url)
    await page.getByTestId('account-save').click()
    await expect.poll(() => page.getByText('InvalidClientTokenId').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.getByTestId('account-label').inputValue()).toBe('Fake AWS')

    // The session token is optional: left empty, the key and secret are enough.
    await page.getByTestId('credential-secretAccessKey').fill(fake.secretAccessKey)
    await page.getByTestId('account-save').click()
    const accountRow = page.getByTestId('account-row').filter({ hasText: 'Fake AWS' })
    await expect.poll(() => accountRow.count(), { timeout: 10_000 }).toBe(1)
    const accountId = await accountRow.getAttribute('data-account-id')
    expect(accountId).toBeTruthy()

    await openNewHost(page)
    await page.getByTestId('create-account').selectOption(accountId!)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).toMatch(/live/i)
    await page.getByTestId('create-region').selectOption('eu-west-1')
    await expect.poll(() => page.getByTestId('create-plan').inputValue()).toBe('t4g.nano')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await page.getByTestId('create-submit').click()

    const row = page.getByTestId('host-row').first()
    await expect.poll(() => fake.state.instances.size, { timeout: 15_000 }).toBe(1)
    const instance = [...fake.state.instances.values()][0]!
    expect(instance.region).toBe('eu-west-1')
    expect(instance.instanceType).toBe('t4g.nano')
    expect(instance.imageId).toBe(fake.imageFor('eu-west-1', 'arm64'))
    expect(fake.state.groups.size).toBe(1)
    const group = [...fake.state.groups.values()][0]!
    expect(group.ingress.map((rule) => rule.from).sort((a, b) => a - b)).toEqual([80, 443, 8123])
    expect(instance.groupIds).toEqual([group.id])
    // IMDSv2 only, so the script asks the outside service for its IPv4 (no metadata URL).
    expect(instance.userData).not.toContain('169.254.169.254')

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
    const ip = (await row.getByTestId('host-ip').innerText()).trim().split(/\s/)[0]!
    expect(ip).toBe(INSTANCE_IP)
    expect(await row.getByTestId('host-cost').innerText()).toContain('7.36')
    // VM and tunnel are two signals: the control port answers TLS, but nothing serves 80/443
    // and the reserved domain cannot point here, so the badge is not green.
    const tunnel = row.getByTestId('host-tunnel-state')
    await expect.poll(() => tunnel.innerText(), { timeout: 20_000 }).toMatch(/tunnel server answering/)
    expect(await tunnel.getAttribute('data-tunnel')).toBe('not-ready')
    expect(await row.getByTestId('host-state').innerText()).toMatch(/VM running/)
    expect(controlPort.connections()).toBeGreaterThan(0)
    await screenshot(page, '09-ec2-active')

    await rowAction(row, 'host-delete')
    await page.getByTestId('confirm-delete').click()
    await expect.poll(() => page.getByTestId('host-row').count(), { timeout: 60_000 }).toBe(0)

    // Nothing billable left behind: the instance (with its volume and interface) terminated, the group gone.
    expect(fake.liveInstances()).toEqual([])
    expect(fake.state.groups.size).toBe(0)
    expect(fake.requests.some((request) => request.action === 'TerminateInstances')).toBe(true)
    if (!ec2ModelMissing()) expect(fake.violations).toEqual([])
  }, 150_000)
})
