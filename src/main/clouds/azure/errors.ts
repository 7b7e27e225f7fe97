/**
 * What the Azure SDKs throw, as the plain sentences every cloud uses (../http.ts `httpError`),
 * with ARM's own `error.code: error.message` as the provider's words.
 *
 * ARM errors are `{ "error": { "code", "message", "details"? } }`
 * (https://github.com/Azure/azure-resource-manager-rpc/blob/master/v1.0/common-api-details.md#error-response-content).
 * The SDKs throw them as `RestError` (statusCode, code, response); `@azure/identity` throws
 * `AuthenticationError` (statusCode, errorResponse) when Entra ID refuses the client secret.
 * A mutating call that timed out, broke, got a 5xx or an answer that was not ARM's has an
 * unknown outcome (`outcome: 'unknown'`), so a create is looked up before it is sent again.
 * Nothing of the request is quoted: its headers carry the bearer token.
 */
import { AppError, type AppErrorInfo } from '../../../shared/errors'
import { httpError } from '../http'
import { redactor } from '../../redact'

const PROVIDER = 'Azure'

/** ARM codes that deserve their own sentence; the rest fall back to the status's sentence. */
const CODE_SENTENCES: Record<string, { code: AppErrorInfo['code']; message: string }> = {
  AuthorizationFailed: { code: 'forbidden', message: 'Azure says this service principal may not do that in the subscription. Give it the Contributor role on the subscription.' },
  InvalidAuthenticationTokenTenant: { code: 'unauthorized', message: 'Azure says the subscription does not belong to this tenant. Check the Directory (tenant) ID and the Subscription ID.' },
  SubscriptionNotFound: { code: 'unauthorized', message: 'Azure does not know this subscription, or the service principal cannot see it. Check the Subscription ID.' },
  ResourceGroupNotFound: { code: 'not-found', message: "Azure does not know the host's resource group (it may already be gone)." },
  ResourceGroupBeingDeleted: { code: 'conflict', message: "Azure is still deleting the host's resource group." },
  OperationNotAllowed: { code: 'unprocessable', message: "Azure refused the request because of a quota or policy of the subscription (for example its vCPU or public IP quota in this region). Ask for a higher quota, or pick another region or size." },
  SkuNotAvailable: { code: 'unprocessable', message: 'Azure does not offer this VM size in this region to the subscription. Pick another size or region.' },
  ReferencedResourceNotProvisioned: { code: 'conflict', message: 'Azure is still creating a resource this step needs; Exitdesk will try again.' },
  AnotherOperationInProgress: { code: 'conflict', message: 'Azure is still busy with another change to this resource; Exitdesk will try again.' },
  MissingSubscriptionRegistration: { code: 'forbidden', message: 'The subscription is not registered for the Compute or Network resource provider. Register Microsoft.Compute and Microsoft.Network in the subscription, then try again.' },
}

export interface CallContext {
  /** HTTP method of the call: a failed GET changed nothing. */
  method: string
  /** The call's own deadline passed. */
  timedOut: boolean
  /** The caller cancelled it. */
  cancelled: boolean
}

export function azureError(error: unknown, call: CallContext): AppError {
  const mutating = call.method !== 'GET' && call.method !== 'HEAD'
  const info = describe(error, call)
  if (info.outcome !== undefined) return new AppError(info)
  const maybe = mutating && (info.code === 'timeout' || info.code === 'network' || info.code === 'provider-unavailable')
  return new AppError({ ...info, outcome: maybe ? 'unknown' : 'none' })
}

function describe(error: unknown, call: CallContext): AppErrorInfo {
  if (error instanceof AppError) return error.info
  const name = error instanceof Error ? error.name : ''
  if (call.timedOut || name === 'TimeoutError') return { code: 'timeout', message: 'Azure did not answer in time. Please try again.', retryable: true }
  if (call.cancelled || name === 'AbortError') return { code: 'timeout', message: 'The request to Azure was cancelled.', retryable: true }
  if (name === 'AuthenticationError' || name === 'CredentialUnavailableError' || name === 'AuthenticationRequiredError') return entraError(error)
  const status = numberField(error, 'statusCode')
  const armCode = stringField(error, 'code')
  if (status !== undefined) {
    const words = armWords(error)
    if (status >= 200 && status < 300) {
      // A 2xx the SDK could not read: not ARM's answer (a proxy's page, a cut-off body).
      return { code: 'provider-unavailable', message: 'Azure answered with something Exitdesk does not understand.', detail: `HTTP ${status} that is not Azure's JSON`, retryable: true, outcome: call.method === 'GET' ? 'none' : 'unknown' }
    }
    const special = words.code ? CODE_SENTENCES[words.code] : undefined
    const headers = responseHeaders(error)
    const base = httpError(PROVIDER, status, words.message, headers).info
    if (status === 429 || !special) return base
    return { ...base, code: special.code, message: special.message, retryable: special.code === 'conflict' || base.retryable }
  }
  // Below HTTP: the SDK's codes for a refused connection, a reset, a cut-off or unreadable body.
  if (armCode === 'PARSE_ERROR') {
    return { code: 'provider-unavailable', message: 'Azure answered with something Exitdesk does not understand.', detail: 'the answer is not complete JSON', retryable: true, outcome: call.method === 'GET' ? 'none' : 'unknown' }
  }
  const cause = causeMessage(error) ?? (error instanceof Error ? redactor.redactText(error.message).slice(0, 200) : undefined)
  return {
    code: 'network',
    message: 'Could not reach Azure, or the connection broke before its answer arrived. Check your network connection and the account\'s API endpoint.',
    detail: cause,
    retryable: true,
  }
}

/**
 * Entra ID refused the client credentials (AADSTS7000215 invalid secret, AADSTS700016 unknown
 * app, AADSTS90002 unknown tenant ...). The SDKs' bearer policy rethrows identity's
 * AuthenticationError as AuthenticationRequiredError whose message carries MSAL's text
 * ("invalid_client: Error(s): … - Description: AADSTS…: … - Correlation ID: …").
 */
function entraError(error: unknown): AppErrorInfo {
  const response = objectField(error, 'errorResponse')
  const text = error instanceof Error ? error.message : ''
  const described = /Description: (AADSTS\d+:.*?)(?: - Correlation ID:| - Trace ID:|$)/s.exec(text)?.[1]
  const description = (response ? stringField(response, 'errorDescription') : undefined) ?? described ?? (/AADSTS\d+/.test(text) ? text : undefined)
  const status = numberField(error, 'statusCode')
  // Entra ID's description is its own words; only its first line (the AADSTS sentence), which
  // names the app and tenant but never the secret. The redactor still runs over it.
  const words = description ? redactor.redactText(description.split(/\r?\n/)[0] ?? '').slice(0, 300) : undefined
  if (status !== undefined && status >= 500) {
    return { code: 'provider-unavailable', message: 'Microsoft Entra ID, which issues Azure tokens, is having trouble. Please try again in a minute.', providerMessage: words, retryable: true, outcome: 'none' }
  }
  if (status === undefined && !description) {
    return { code: 'network', message: 'Could not reach Microsoft Entra ID to get an Azure token. Check your network connection and the account\'s API endpoint.', detail: causeMessage(error), retryable: true, outcome: 'none' }
  }
  // A token that was never issued means nothing was sent to ARM: the outcome is certain.
  return { code: 'unauthorized', message: 'Microsoft Entra ID did not accept the tenant, client id and client secret. Check them, or create a new client secret.', providerMessage: words, retryable: false, outcome: 'none' }
}

/** ARM's `error.code` and `code: message` from the response body. */
function armWords(error: unknown): { code?: string; message?: string } {
  const response = objectField(error, 'response')
  const text = response ? stringField(response, 'bodyAsText') : undefined
  let body: unknown
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      // A gateway's HTML page: a short, redacted, tag-free excerpt as the provider's words.
      return { message: redactor.redactText(text).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) || undefined }
    }
  } else if (response && 'parsedBody' in response) {
    body = response.parsedBody
  }
  const inner = objectField(body, 'error') ?? (body as object | undefined)
  const code = stringField(inner, 'code') ?? stringField(error, 'code')
  // The modular compute client keeps no body on its RestError, but its message is ARM's
  // `error.message` (@azure-rest/core-client createRestError).
  const message = stringField(inner, 'message') ?? (error instanceof Error && error.name === 'RestError' ? error.message.trim() || undefined : undefined)
  if (!message) return { code }
  return { code, message: code ? `${code}: ${message}` : message }
}

function responseHeaders(error: unknown): Headers | undefined {
  const response = objectField(error, 'response')
  const headers = response ? objectField(response, 'headers') : undefined
  if (!headers) return undefined
  if ('toJSON' in headers && typeof headers.toJSON === 'function') return new Headers(headers.toJSON() as Record<string, string>)
  const plain: Record<string, string> = {}
  for (const [key, value] of Object.entries(headers)) if (typeof value === 'string') plain[key] = value
  return new Headers(plain)
}

function causeMessage(error: unknown): string | undefined {
  const code = stringField(error, 'code')
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined
  return [code, cause].filter(Boolean).join(': ') || undefined
}

function objectField(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'object' && field !== null ? (field as Record<string, unknown>) : undefined
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'string' && field.length > 0 ? field : undefined
}

function numberField(value: unknown, key: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'number' ? field : undefined
}
