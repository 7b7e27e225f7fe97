import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { browserTestSkipReason, openApp, screenshot, withWebAppAndBrowser } from './support'

const blocked = browserTestSkipReason('the New host dialog browser test')

/** The data-testid of the element that has focus. */
const focused = (page: Page): Promise<string | null> => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null)

/** The sentence a field points at with aria-describedby (its error comes first). */
async function describedText(page: Page, testId: string): Promise<string> {
  const ids = (await page.getByTestId(testId).getAttribute('aria-describedby')) ?? ''
  const texts = await Promise.all(ids.split(/\s+/).filter(Boolean).map((id) => page.locator(`[id="${id}"]`).innerText()))
  return texts.join(' | ')
}

describe.skipIf(Boolean(blocked))('web shell end to end: the New host dialog', () => {
  const shell = withWebAppAndBrowser()

  it('checks every field at once, keeps what was typed, and creates a simulated host', async () => {
    const { page } = await openApp(shell.browser(), shell.app())
    const open = page.getByTestId('new-host-open').first()
    const dialog = page.getByRole('dialog', { name: 'New host' })

    // Opened with the keyboard; focus starts on the first field.
    await open.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true)
    await expect.poll(() => focused(page)).toBe('create-account')
    await expect.poll(() => page.getByTestId('create-account').inputValue()).toBe('simulated')
    expect(await dialog.getByTestId('simulated-tag').count()).toBe(1)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).not.toBe('Loading…')
    expect(await page.getByTestId('create-plan').inputValue()).not.toBe('')
    expect(await page.getByTestId('create-submit').innerText()).toMatch(/^Create host — \$\d+\.\d{2}\/mo$/)

    // A bad name and HTTPS without a domain: both errors at once, each next to its field.
    await page.getByTestId('create-name').fill('Not A Valid Name!')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-submit').click()
    await expect.poll(() => page.getByTestId('create-domains').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('create-name').getAttribute('aria-invalid')).toBe('true')
    expect(await describedText(page, 'create-name')).toMatch(/^Host name must follow the cloud's naming rule/)
    expect(await describedText(page, 'create-domains')).toMatch(/^HTTPS needs at least one domain\./)
    expect(await dialog.locator('.field-error').count()).toBe(2)
    expect(await page.getByTestId('create-error').count()).toBe(0)
    // Focus on the first invalid field (the domains come before the name), the typed values kept.
    expect(await focused(page)).toBe('create-domains')
    expect(await page.getByTestId('create-name').inputValue()).toBe('Not A Valid Name!')
    expect(await page.getByTestId('create-mode-https').isChecked()).toBe(true)
    expect(await page.getByTestId('host-row').count()).toBe(0)
    await screenshot(page, 'new-host-01-errors')

    // Escape closes; focus returns to the button; opening again keeps the values.
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
    expect(await focused(page)).toBe('new-host-open')
    await page.keyboard.press('Enter')
    await expect.poll(() => dialog.isVisible()).toBe(true)
    expect(await page.getByTestId('create-name').inputValue()).toBe('Not A Valid Name!')
    expect(await page.getByTestId('create-mode-https').isChecked()).toBe(true)

    // Each field is checked again as it changes; the review follows.
    await page.getByTestId('create-domains').fill('tunnel.example.com')
    await expect.poll(() => page.getByTestId('create-domains').getAttribute('aria-invalid')).toBeNull()
    await page.getByTestId('create-name').fill('exit-new-host-e2e')
    await expect.poll(() => page.getByTestId('create-name').getAttribute('aria-invalid')).toBeNull()
    expect(await dialog.locator('.field-error').count()).toBe(0)
    const review = page.getByTestId('create-review')
    expect(await review.getByTestId('review-name').innerText()).toBe('exit-new-host-e2e')
    expect(await review.getByTestId('review-tunnel').innerText()).toContain('tunnel.example.com')
    expect(await review.getByTestId('review-account').innerText()).toContain('Simulated')
    const price = /\$\d+\.\d{2}\/mo/.exec(await page.getByTestId('create-submit').innerText())?.[0]
    expect(price).toBeTruthy()
    expect(await review.getByTestId('review-cost').innerText()).toContain(price!)
    await page.getByTestId('create-delete-after').selectOption('1h')
    expect(await review.getByTestId('review-delete-after').innerText()).not.toContain('never')
    await screenshot(page, 'new-host-02-review')

    // A valid create: the dialog closes, focus returns, a toast says so, the host is listed.
    await page.getByTestId('create-submit').click()
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(0)
    await expect.poll(() => focused(page)).toBe('new-host-open')
    const toast = page.getByTestId('toast').filter({ hasText: 'Creating exit-new-host-e2e' })
    await expect.poll(() => toast.count(), { timeout: 5_000 }).toBe(1)
    const row = page.getByTestId('host-row').filter({ hasText: 'exit-new-host-e2e' })
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    await screenshot(page, 'new-host-03-created')

    // The next New host starts fresh, with a new suggested name.
    await open.click()
    await expect.poll(() => dialog.isVisible()).toBe(true)
    const fresh = await page.getByTestId('create-name').inputValue()
    expect(fresh).toMatch(/^exit-[a-z]+-[a-z]+-\d{4}$/)
    expect(await page.getByTestId('create-mode-tcp').isChecked()).toBe(true)
    expect(await dialog.locator('.field-error').count()).toBe(0)
    await dialog.getByTestId('create-cancel').click()
    await expect.poll(() => dialog.count()).toBe(0)
  }, 90_000)

  it("shows main's refusals next to their field or at the bottom, and retries an unchanged form with the same request id", async () => {
    const { page } = await openApp(shell.browser(), shell.app())
    const dialog = page.getByRole('dialog', { name: 'New host' })
    // Main's answers, one per create, stood in for by the test; `undefined` lets the call through.
    const answers: Array<object | undefined> = [
      { code: 'invalid-input', field: 'tunnel.domains.0', message: 'tunnel.domains.0 is not allowed by this test.', retryable: false },
      { code: 'timeout', message: 'The request took too long and was cancelled.', retryable: true },
      { code: 'timeout', message: 'The request took too long and was cancelled.', retryable: true },
      undefined,
    ]
    const sent: Array<{ requestId: string; name: string }> = []
    await page.route(
      (url) => url.pathname.endsWith('/api/invoke/hosts%3Acreate'),
      async (route) => {
        sent.push(JSON.parse(route.request().postData() ?? '{}') as { requestId: string; name: string })
        const error = answers.shift()
        if (error) await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: false, error }) })
        else await route.continue()
      },
    )

    await page.getByTestId('new-host-open').first().click()
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true)
    await expect.poll(() => page.getByTestId('catalog-source').innerText(), { timeout: 10_000 }).not.toBe('Loading…')
    await page.getByTestId('create-name').fill('exit-refused-e2e')
    await page.getByTestId('create-mode-https').check()
    await page.getByTestId('create-domains').fill('a.example.com')

    // A refusal naming a field: next to that field, in the words on the screen, focused.
    await page.getByTestId('create-submit').click()
    await expect.poll(() => page.getByTestId('create-domains').getAttribute('aria-invalid')).toBe('true')
    expect(await describedText(page, 'create-domains')).toMatch(/^Domain 1 is not allowed by this test\./)
    expect(await focused(page)).toBe('create-domains')
    expect(await page.getByTestId('create-error').count()).toBe(0)
    expect(await dialog.isVisible()).toBe(true)

    // One naming no field: at the bottom, announced; the dialog stays open with the values.
    await page.getByTestId('create-submit').click()
    await expect.poll(() => page.getByTestId('create-error').count()).toBe(1)
    expect(await page.getByTestId('create-error').innerText()).toContain('took too long')
    expect(await page.getByTestId('create-error').getAttribute('role')).toBe('alert')
    expect(await page.getByTestId('create-domains').getAttribute('aria-invalid')).toBeNull()
    expect(await page.getByTestId('create-name').inputValue()).toBe('exit-refused-e2e')
    expect(await page.getByTestId('create-domains').inputValue()).toBe('a.example.com')
    await screenshot(page, 'new-host-04-refused')

    // The unchanged retry of a call that may have reached main reuses its request id.
    await page.getByTestId('create-submit').click()
    await expect.poll(() => sent.length).toBe(3)
    // Any change starts a new request; this one goes through.
    await page.getByTestId('create-name').fill('exit-retried-e2e')
    await page.getByTestId('create-submit').click()
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(0)
    expect(sent.map((body) => body.name)).toEqual(['exit-refused-e2e', 'exit-refused-e2e', 'exit-refused-e2e', 'exit-retried-e2e'])
    expect(sent[1]!.requestId).not.toBe(sent[0]!.requestId) // after a refusal: a new request
    expect(sent[2]!.requestId).toBe(sent[1]!.requestId) // after a retryable failure, unchanged: the same
    expect(sent[3]!.requestId).not.toBe(sent[2]!.requestId) // changed: a new one
    await expect.poll(() => page.getByTestId('host-row').filter({ hasText: 'exit-retried-e2e' }).count(), { timeout: 15_000 }).toBe(1)
  }, 90_000)
})
