/**
 * AWS SDK failures -> AppError: a plain sentence for the user, AWS's own message as the
 * provider's words, and whether the call may have been carried out anyway.
 *
 * EC2 error codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 * (client errors are HTTP 4xx, RequestLimitExceeded and Unavailable are 503, InternalError 500).
 * STS (InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken) and SSM
 * (UnrecognizedClientException, AccessDeniedException, ParameterNotFound) use their own codes
 * for the same situations. The SDK puts the code in `name`, AWS's message in `message`, and
 * `$fault` ('client' | 'server') and `$metadata.httpStatusCode` beside them; anything without
 * `$fault` did not come from AWS (a timeout, a broken connection, a body that is not AWS's).
 *
 * Nothing here copies a request: AWS's messages name the action and sometimes the access key
 * id, never the secret; the dispatcher's redactor removes registered credentials anyway.
 */
import { AppError, type AppErrorInfo, type ErrorCode } from '../../../shared/errors'

export const PROVIDER = 'AWS'

interface SdkError {
  name: string
  message: string
  $fault?: 'client' | 'server'
  $metadata?: { httpStatusCode?: number }
  code?: string
  cause?: unknown
}

function asSdkError(error: unknown): SdkError | undefined {
  return error instanceof Error ? (error as unknown as SdkError) : undefined
}

const UNAUTHORIZED = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'InvalidSignatureException',
  'OptInRequired',
  'PendingVerification',
  'Blocked',
])
const FORBIDDEN = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException'])
const THROTTLED = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'ThrottledException'])
/** Account quotas: nothing was made, and asking again will not help until the quota changes. */
const QUOTA = new Set(['InstanceLimitExceeded', 'VcpuLimitExceeded', 'SecurityGroupLimitExceeded', 'RulesPerSecurityGroupLimitExceeded', 'AddressLimitExceeded', 'MaxSpotInstanceCountExceeded', 'ResourceLimitExceeded', 'TagLimitExceeded'])
/** AWS has no room right now: nothing was made, and later (or elsewhere) it may work. */
const CAPACITY = new Set(['InsufficientInstanceCapacity', 'InsufficientHostCapacity', 'InsufficientCapacity', 'InsufficientFreeAddressesInSubnet', 'Unsupported'])
const NOT_FOUND = /^Invalid[A-Za-z]*\.NotFound$|^InvalidInstanceID\.(NotFound|Malformed)$|^ParameterNotFound$/
/** No default VPC: CreateSecurityGroup or RunInstances without a subnet in such a region. */
const NO_DEFAULT_VPC = new Set(['VPCIdNotSpecified', 'MissingInput', 'VPCResourceNotSpecified', 'InvalidVpcID.NotFound'])

/** Where a region lacks a default VPC, what the user should do, in one sentence. */
export function noDefaultVpcMessage(region: string): string {
  return (
    `The AWS region ${region} has no default VPC, so Exitdesk cannot choose a network for the host. ` +
    `Create one in the VPC console (Your VPCs → Actions → Create default VPC) or with "aws ec2 create-default-vpc --region ${region}", ` +
    `or give the account a public subnet of that region (Replace credential → Subnet ID), then create the host again.`
  )
}

export interface CallInfo {
  /** The API action, e.g. "RunInstances": named in sentences, never a parameter. */
  action: string
  /** Whether the call changes something (then a timeout or a 5xx leaves the outcome unknown). */
  mutating: boolean
  region?: string
  /** The caller's signal: aborted means cancelled (or the host service's deadline). */
  signal: AbortSignal
}

/** The AppError for anything the SDK threw. */
export function ec2Error(error: unknown, call: CallInfo): AppError {
  if (error instanceof AppError) return error
  const sdk = asSdkError(error)
  const fromAws = sdk?.$fault !== undefined
  const info: AppErrorInfo = fromAws ? serviceError(sdk!, call) : transportError(sdk, call)
  if (info.outcome === undefined) {
    const maybe = call.mutating && (info.code === 'timeout' || info.code === 'network' || info.code === 'provider-unavailable')
    info.outcome = maybe ? 'unknown' : 'none'
  }
  return new AppError(info)
}

function serviceError(error: SdkError, call: CallInfo): AppErrorInfo {
  const code = error.name
  const status = error.$metadata?.httpStatusCode ?? 0
  const providerMessage = error.message && error.message !== 'UnknownError' ? `${code}: ${error.message}`.slice(0, 500) : code
  const make = (errorCode: ErrorCode, message: string, retryable: boolean, extra: Partial<AppErrorInfo> = {}): AppErrorInfo => ({
    code: errorCode,
    message,
    providerMessage,
    retryable,
    ...extra,
  })
  if (UNAUTHORIZED.has(code)) {
    return make('unauthorized', 'AWS did not accept this access key. Check the access key ID and the secret access key (and the session token, if the key is temporary: those expire).', false, { outcome: 'none' })
  }
  if (FORBIDDEN.has(code)) {
    return make('forbidden', `AWS says this access key may not call ${call.action}. Allow it in the IAM policy of the key's user or role.`, false, { outcome: 'none' })
  }
  if (THROTTLED.has(code)) {
    return make('rate-limited', `AWS is limiting how fast Exitdesk may call it (${code}). Exitdesk will try again in ${THROTTLE_PAUSE_SECONDS} s.`, true, { retryAfterSeconds: THROTTLE_PAUSE_SECONDS, outcome: 'none' })
  }
  if (QUOTA.has(code)) {
    return make('unprocessable', `AWS says this account has reached a limit (${code}). Delete hosts you no longer need, or ask AWS for a higher quota in Service Quotas.`, false, { outcome: 'none' })
  }
  if (CAPACITY.has(code)) {
    return make('provider-unavailable', `AWS has no capacity for this instance type there right now (${code}). Try again later, or pick another region or plan.`, true, { outcome: 'none' })
  }
  if (NO_DEFAULT_VPC.has(code) && call.region) {
    return make('unprocessable', noDefaultVpcMessage(call.region), false, { outcome: 'none' })
  }
  if (NOT_FOUND.test(code)) {
    return make('not-found', 'AWS does not know that resource (it may already be gone).', false, { outcome: 'none' })
  }
  if (code === 'IdempotentParameterMismatch') {
    return make('conflict', 'AWS already received a different create request for this host. Delete the host and create it again.', false, { outcome: 'none' })
  }
  if (code === 'DependencyViolation') {
    return make('conflict', 'AWS says the resource is still in use.', true, { outcome: 'none' })
  }
  if (error.$fault === 'server' || status >= 500) {
    return make('provider-unavailable', `AWS is having trouble (${status ? `HTTP ${status}` : code}). Please try again in a minute.`, true)
  }
  if (code.startsWith('Invalid') || code.startsWith('Missing') || code === 'ValidationError' || code === 'ValidationException') {
    return make('unprocessable', `AWS could not accept these settings for ${call.action}.`, false, { outcome: 'none' })
  }
  return make('unprocessable', `AWS refused ${call.action} (${code}).`, false, { outcome: 'none' })
}

/** How long the account pauses after RequestLimitExceeded: EC2 sends no retry-after, and its buckets refill every second. */
export const THROTTLE_PAUSE_SECONDS = 5

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'])

function transportError(error: SdkError | undefined, call: CallInfo): AppErrorInfo {
  const name = error?.name ?? ''
  // The SDK names a reset socket "TimeoutError" too (code ECONNRESET): the code decides first.
  const networkCode = error?.code ?? causeCode(error?.cause)
  if (networkCode && NETWORK_CODES.has(networkCode) && networkCode !== 'ETIMEDOUT') {
    return {
      code: 'network',
      message: `Could not reach AWS, or the connection broke before its answer arrived. Check your network connection and the account's API endpoint.`,
      // A local fact ("ECONNREFUSED"): Exitdesk's detail, never AWS's words.
      detail: networkCode,
      retryable: true,
    }
  }
  if (name === 'TimeoutError' || isTimeoutReason(call.signal.reason) || networkCode === 'ETIMEDOUT') {
    return { code: 'timeout', message: 'AWS did not answer in time. Please try again.', retryable: true }
  }
  if (name === 'AbortError' || call.signal.aborted) {
    return { code: 'timeout', message: 'The request to AWS was cancelled.', retryable: true }
  }
  // A 2xx whose body is not AWS's XML/JSON (a proxy's page, a cut-off answer), or anything else
  // the SDK could not read: nobody can say whether the call was carried out.
  if (name === 'ForeignAnswer') {
    return { code: 'provider-unavailable', message: 'AWS answered with something Exitdesk does not understand.', detail: `${call.action}: ${error?.message ?? ''}`, retryable: true }
  }
  return {
    code: 'provider-unavailable',
    message: 'AWS answered with something Exitdesk does not understand.',
    detail: `${call.action}: ${/deserializ|xml|json|parse|unexpected|char/i.test(error?.message ?? '') ? 'the answer could not be read' : 'no answer from AWS'}`,
    retryable: true,
  }
}

function causeCode(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined
}

function isTimeoutReason(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'name' in value && value.name === 'TimeoutError'
}

/**
 * A 2xx answer without what the adapter reads (a proxy's page, API drift): for a mutating call,
 * whether it was carried out is unknown. `what` names the missing piece only, never the body.
 */
export function unexpectedAnswer(action: string, what: string, mutating: boolean): AppError {
  return new AppError({ code: 'provider-unavailable', message: 'AWS answered with something Exitdesk does not understand.', detail: `${action}: ${what}`, retryable: true, outcome: mutating ? 'unknown' : 'none' })
}
