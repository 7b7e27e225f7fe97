/**
 * Azure's refusals and failures as plain sentences with ARM's own words, the outcome of each
 * (a mutating call that timed out or got a 5xx may have been carried out), and credentials and
 * tokens never echoed: not on a parse error, not when the fake repeats the request back.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { describeError, outcomeUnknown, type AppErrorInfo } from '../../src/shared/errors'
import { createAzureProvisioner } from '../../src/main/clouds/azure'
import { RequestBudget } from '../../src/main/clouds/budget'
import { AZURE_MANIFEST } from '../../src/main/clouds/azure/manifest'
import { redactor } from '../../src/main/redact'
import type { FakeAzure } from '../fakes/azure'
import { appError, contextFor, haveOpenssl, removeCertificate, signal, spec, startFake, startLocator } from './azure-support'

const HOST = '7e57e57e-0000-4000-8000-000000000001'
let fake: FakeAzure | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})
afterAll(() => removeCertificate())

/** What leaves main: the dispatcher redacts every envelope with what main remembered. */
function shown(info: AppErrorInfo): string {
  return JSON.stringify(redactor.redactDeep({ ...info, sentence: describeError(info) }))
}

describe.skipIf(!haveOpenssl)('Azure errors', () => {
  it('a wrong client secret: Entra ID refused it, said in a sentence with its AADSTS words, never the secret', async () => {
    fake = await startFake({ echo: true })
    const ctx = { ...contextFor(fake, 'acct-err-1'), credentials: { ...fake.credentials, clientSecret: 'Wr0ng~SecretValue.1234567890abcdef' } }
    redactor.rememberAll(ctx.credentials)
    const info = await appError(createAzureProvisioner().verify(ctx, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toBe('Microsoft Entra ID did not accept the tenant, client id and client secret. Check them, or create a new client secret.')
    expect(info.providerMessage).toMatch(/^AADSTS7000215: Invalid client secret provided/)
    expect(outcomeUnknown(info)).toBe(false)
    expect(shown(info)).not.toContain('Wr0ng~SecretValue')
  })

  it('a subscription the principal cannot see: SubscriptionNotFound as a sentence', async () => {
    fake = await startFake()
    const ctx = { ...contextFor(fake, 'acct-err-2'), credentials: { ...fake.credentials, subscriptionId: '00000000-1111-4222-8333-444444444444' } }
    const info = await appError(createAzureProvisioner().verify(ctx, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toMatch(/does not know this subscription/)
    expect(info.providerMessage).toMatch(/^SubscriptionNotFound: The subscription '00000000-1111-4222-8333-444444444444' could not be found\./)
  })

  it('credential fields that are not GUIDs are refused by field, without repeating what was typed', async () => {
    fake = await startFake()
    const pasted = 'this-is-my-client-secret-pasted-in-the-wrong-box'
    const info = await appError(createAzureProvisioner().verify({ ...contextFor(fake, 'acct-err-3'), credentials: { ...fake.credentials, tenantId: pasted } }, signal()))
    expect(info).toMatchObject({ code: 'invalid-input', field: 'credentials.tenantId' })
    expect(JSON.stringify(info)).not.toContain(pasted)
    expect(fake.requests).toHaveLength(0)
    const missing = await appError(createAzureProvisioner().verify({ ...contextFor(fake, 'acct-err-3'), credentials: { ...fake.credentials, clientSecret: ' ' } }, signal()))
    expect(missing).toMatchObject({ code: 'invalid-input', field: 'credentials.clientSecret', message: 'The client secret is missing.' })
  })

  it('403 AuthorizationFailed, 409 quota (OperationNotAllowed) and 404 ResourceGroupNotFound become sentences with ARM\'s words', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake, 'acct-err-4')
    fake.setFailure({ method: 'PUT', path: /\/resourcegroups\/[^/]+$/, status: 403, code: 'AuthorizationFailed', message: "The client 'x' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/write'.", times: 1 })
    const forbidden = await appError(p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(forbidden.code).toBe('forbidden')
    expect(describeError(forbidden)).toMatch(/^Azure says this service principal may not do that in the subscription\. Give it the Contributor role on the subscription\. The provider said: "AuthorizationFailed: The client 'x' does not have authorization/)
    expect(outcomeUnknown(forbidden)).toBe(false)

    fake.setFailure({ method: 'PUT', path: /\/resourcegroups\/[^/]+$/, status: 409, code: 'OperationNotAllowed', message: 'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.', times: 1 })
    const quota = await appError(p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(quota.code).toBe('unprocessable')
    expect(quota.message).toMatch(/quota/)
    expect(quota.providerMessage).toMatch(/^OperationNotAllowed: Operation could not be completed/)
    expect(quota.retryable).toBe(false)

    // A NIC started into a group that vanished.
    const gone = await appError(p.provision(ctx, spec(HOST, 'tcp'), { ...startLocator(), resourceGroup: 'exitdesk-host-x' }, 'network-started', signal()))
    expect(gone.code).toBe('not-found')
    expect(gone.providerMessage).toMatch(/^ResourceGroupNotFound:/)
  })

  it('429 with Retry-After and x-ms-ratelimit headers: rate-limited, with the wait; the account budget pauses', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const budget = new RequestBudget({ provider: 'Azure', windows: AZURE_MANIFEST.rateLimits!.windows, clock: { now: () => Date.now() } })
    const ctx = { ...contextFor(fake, 'acct-err-5'), budget }
    fake.setFailure({ method: 'PUT', status: 429, code: 'TooManyRequests', message: "The request is being throttled as the limit has been reached for operation type - Write.", headers: { 'retry-after': '17', 'x-ms-ratelimit-remaining-subscription-writes': '0' }, times: 1 })
    const info = await appError(p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(info).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 17, retryable: true })
    expect(info.message).toBe('Azure is limiting how fast Exitdesk may call it. Exitdesk will try again in 17 s.')
    expect(info.providerMessage).toMatch(/^TooManyRequests: The request is being throttled/)
    expect(outcomeUnknown(info)).toBe(false)
    // The whole account waits: the next call is refused without a request.
    const sent = fake.requests.length
    const paused = await appError(p.verify(ctx, signal()))
    expect(paused.code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
  })

  it("ARM's x-ms-ratelimit-remaining headers tighten the account budget: background polling stops, a click still goes", async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const budget = new RequestBudget({ provider: 'Azure', windows: AZURE_MANIFEST.rateLimits!.windows, clock: { now: () => Date.now() } })
    const background = { ...contextFor(fake, 'acct-err-10'), budget, priority: 'background' as const }
    await p.verify(background, signal())
    expect(budget.room('background')).toBeGreaterThan(100)
    // Another tool spent most of the principal's read bucket: 20 of 250 left.
    fake.setRemaining({ reads: 20 })
    await p.listByTag(background, 'account', 'exitdesk', signal())
    expect(budget.room('background')).toBe(0)
    const sent = fake.requests.length
    const refused = await appError(p.listByTag(background, 'account', 'exitdesk', signal()))
    expect(refused.code).toBe('rate-limited')
    expect(refused.message).toMatch(/keeping this account under Azure's limit/)
    expect(fake.requests.length).toBe(sent)
    expect(budget.room('user')).toBeGreaterThan(0)
    await p.verify({ ...background, priority: 'user' }, signal())
  })

  it('5xx: unknown outcome for a PUT, none for a GET; an HTML gateway page is quoted without tags', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake, 'acct-err-6')
    fake.setFailure({ method: 'PUT', status: 500, code: 'InternalServerError', message: 'Encountered internal server error.', times: 1 })
    const put = await appError(p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(put.code).toBe('provider-unavailable')
    expect(outcomeUnknown(put)).toBe(true)
    fake.setFailure({ method: 'GET', status: 502, html: true, times: 1 })
    const get = await appError(p.verify(ctx, signal()))
    expect(get.code).toBe('provider-unavailable')
    expect(outcomeUnknown(get)).toBe(false)
    expect(get.providerMessage).toMatch(/502 Bad Gateway/)
    expect(get.providerMessage).not.toMatch(/</)
  })

  it('a broken (cut-off) body is not taken as an answer', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake, 'acct-err-7')
    fake.setFailure({ method: 'GET', path: /\/providers\/microsoft\.compute\/virtualmachines$/, truncate: true, times: 1 })
    const info = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(info.code).toBe('provider-unavailable')
    expect(info.message).toBe('Azure answered with something Exitdesk does not understand.')
  })

  it('a PUT past the deadline is a timeout whose outcome is unknown', async () => {
    fake = await startFake()
    const p = createAzureProvisioner({ timeoutMs: 300 })
    const ctx = contextFor(fake, 'acct-err-8')
    await p.verify(ctx, signal())
    fake.setFailure({ method: 'PUT', delayMs: 1_000, times: 1 })
    const info = await appError(p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(info.code).toBe('timeout')
    expect(info.message).toBe('Azure did not answer in time. Please try again.')
    expect(outcomeUnknown(info)).toBe(true)
  })

  it('an ARM error that repeats the request back shows neither the secret, the access token nor the tunnel script', async () => {
    fake = await startFake({ echo: true })
    const p = createAzureProvisioner()
    const ctx = contextFor(fake, 'acct-err-9')
    redactor.rememberAll(ctx.credentials)
    const tunnelToken = 'tunnel-token-0123456789abcdef0123456789abcdef'
    redactor.remember(tunnelToken)
    const s = spec(HOST, 'tcp', { fresh: true, userData: `#!/bin/bash\nTOKEN=${tunnelToken}\n` })
    let step = await p.provision(ctx, s, startLocator(), undefined, signal())
    fake.advance(1_500)
    step = await p.provision(ctx, { ...s, fresh: false }, step.locator, step.progress, signal())
    fake.advance(1_500)
    fake.setFailure({ method: 'PUT', path: /virtualmachines/, status: 400, code: 'InvalidParameter', message: 'The value of parameter osProfile is invalid.', times: 1 })
    const info = await appError(p.provision(ctx, { ...s, fresh: false }, step.locator, step.progress, signal()))
    expect(info.providerMessage).toContain('You sent Authorization: Bearer')
    const visible = shown(info)
    for (const token of fake.issuedTokens()) expect(visible).not.toContain(token)
    expect(visible).not.toContain(tunnelToken)
    expect(visible).not.toContain(fake.clientSecret)
    expect(visible).not.toContain(Buffer.from(s.userData).toString('base64'))
  })
})
