/**
 * The error answers of the REST clouds (Hetzner, Linode, Vultr, Scaleway, OVHcloud, Civo, GCE,
 * Azure ARM) for the fault
 * proxy's provider faults: each cloud's own 429 body and rate-limit headers, and its own 500.
 * EC2's XML answers are in ec2.ts. The shapes follow each provider's documentation and the fake
 * of that cloud (test/fakes/<cloud>.ts), which answers its own 429s the same way.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { CannedAnswer, ProviderShape, ShapeContext } from '../../support/fault-proxy'

const json = (status: number, body: unknown, headers: Record<string, string> = {}): CannedAnswer => ({ status, contentType: 'application/json', body: JSON.stringify(body), headers })

/** Keeps the last values of some headers the fake sent, so an injected 429 repeats the provider's own counters. */
function remember(names: readonly string[]) {
  let last: Record<string, string> = {}
  return {
    note(headers: IncomingHttpHeaders): void {
      const picked = Object.fromEntries(names.flatMap((name) => (typeof headers[name] === 'string' ? [[name, headers[name]]] : [])))
      if (Object.keys(picked).length === names.length) last = picked
    },
    get: (): Record<string, string> => last,
  }
}

const idOf = (body: Buffer, pick: (parsed: Record<string, unknown>) => unknown): string | undefined => {
  try {
    const id = pick(JSON.parse(body.toString('utf8')) as Record<string, unknown>)
    return id === undefined || id === null ? undefined : String(id)
  } catch {
    return undefined
  }
}
const field = (value: unknown, key: string): unknown => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined)

/**
 * Hetzner Cloud (docs.hetzner.cloud, "Rate Limiting" and "Errors"): 3,600 requests an hour per
 * project; every answer carries `RateLimit-Limit`, `-Remaining` and `-Reset` (UNIX time); a 429 is
 * `{"error":{"code":"rate_limit_exceeded",…}}` with Remaining 0. No Retry-After is documented.
 */
export function hetznerShape(): ProviderShape {
  const limits = remember(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
  return {
    name: 'hetzner',
    noteAnswer: limits.note,
    rateLimited: ({ now }: ShapeContext) =>
      json(429, { error: { code: 'rate_limit_exceeded', message: 'limit of 3600 requests per hour reached', details: {} } }, { 'ratelimit-limit': '3600', 'ratelimit-reset': String(Math.ceil(now / 1000) + 60), ...limits.get(), 'ratelimit-remaining': '0' }),
    serverError: () => json(500, { error: { code: 'server_error', message: 'Internal server error', details: {} } }),
    createdId: (body) => idOf(body, (parsed) => field(parsed.server, 'id') ?? field(parsed.firewall, 'id') ?? field(parsed.primary_ip, 'id')),
  }
}

/**
 * Linode (techdocs.akamai.com/linode-api/reference/rate-limits, "Errors"): `X-RateLimit-Limit`,
 * `-Remaining`, `-Reset` (epoch seconds) per operation bucket, and a 429 with `Retry-After` and
 * `{"errors":[{"reason":"Too many requests"}]}`.
 */
export function linodeShape(): ProviderShape {
  const limits = remember(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])
  return {
    name: 'linode',
    noteAnswer: limits.note,
    rateLimited: ({ now, retryAfterSeconds }) =>
      json(429, { errors: [{ reason: 'Too many requests' }] }, { 'x-ratelimit-limit': '800', 'x-ratelimit-reset': String(Math.ceil(now / 1000) + retryAfterSeconds), ...limits.get(), 'x-ratelimit-remaining': '0', 'retry-after': String(retryAfterSeconds) }),
    serverError: () => json(500, { errors: [{ reason: 'An unexpected error occurred.' }] }),
    createdId: (body) => idOf(body, (parsed) => parsed.id),
  }
}

/** Vultr (www.vultr.com/api/, "Rate limit"): 30 requests a second per IP; 429 `{"error":…,"status":429}` with Retry-After. */
export function vultrShape(): ProviderShape {
  return {
    name: 'vultr',
    rateLimited: ({ retryAfterSeconds }) => json(429, { error: 'Rate limit reached - please try your request again later.', status: 429 }, { 'retry-after': String(retryAfterSeconds) }),
    serverError: () => json(500, { error: 'Internal server error.', status: 500 }),
    createdId: (body) => idOf(body, (parsed) => field(parsed.instance, 'id') ?? field(parsed.firewall_group, 'id')),
  }
}

/**
 * Scaleway (www.scaleway.com/en/developers/api/, "Errors"): errors are `{"message","type",…}`;
 * a 429 is type `too_many_requests` with `Retry-After` (as the fake answers its own). The
 * Instance API documents no rate-limit headers; the `X-RateLimit-Limit`/`-Remaining`/`-Reset`
 * (epoch seconds) its Generative APIs send are added, so the adapter's reading of them
 * (scaleway/client.ts `rateLimitHeaders`) meets them too. A 500 is type `internal_error`.
 */
export function scalewayShape(): ProviderShape {
  return {
    name: 'scaleway',
    rateLimited: ({ now, retryAfterSeconds }) =>
      json(429, { message: 'too many requests', type: 'too_many_requests' }, { 'x-ratelimit-limit': '250', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(now / 1000) + retryAfterSeconds), 'retry-after': String(retryAfterSeconds) }),
    serverError: () => json(500, { message: 'internal error', type: 'internal_error' }),
    createdId: (body) => idOf(body, (parsed) => field(parsed.server, 'id') ?? field(parsed.ip, 'id') ?? field(parsed.security_group, 'id')),
  }
}

/**
 * OVHcloud (python-ovh `Client.call`, go-ovh `APIError`): errors are `{"message", "errorCode"?,
 * "httpCode"?}`; OVH documents no rate-limit headers, and its 429 is a plain
 * `{"message":…}` (the `Retry-After` is the one test/clouds/ovh-faults.test.ts gives it too).
 * Canned answers need no signature: only requests are signed.
 */
export function ovhShape(): ProviderShape {
  return {
    name: 'ovh',
    rateLimited: ({ retryAfterSeconds }) => json(429, { message: 'Too many requests', httpCode: '429 Too Many Requests' }, { 'retry-after': String(retryAfterSeconds) }),
    serverError: () => json(500, { message: 'Internal server error', httpCode: '500 Internal Server Error' }),
    createdId: (body) => idOf(body, (parsed) => parsed.id),
  }
}

/**
 * Civo (civogo `errors.go`): errors are `{"code","reason","result"}` with snake_case codes; its
 * 429 (civo/cli pull request 323) is `too_many_requests`, with `Retry-After` as the fake answers
 * its own; a 500 `internal_server_error`.
 */
export function civoShape(): ProviderShape {
  return {
    name: 'civo',
    rateLimited: ({ retryAfterSeconds }) => json(429, { code: 'too_many_requests', reason: 'Too many requests, please slow down', result: 'failure' }, { 'retry-after': String(retryAfterSeconds) }),
    serverError: () => json(500, { code: 'internal_server_error', reason: 'Something went wrong', result: 'failure' }),
    // A firewall create answers `{result, id, name}`, an instance create the instance.
    createdId: (body) => idOf(body, (parsed) => parsed.id),
  }
}

/**
 * Compute Engine (cloud.google.com/compute/api-docs#rate-limits, AIP-193 errors): a 429 is
 * `RESOURCE_EXHAUSTED` with reason `rateLimitExceeded` in domain `usageLimits`; no Retry-After.
 */
export function gceShape(): ProviderShape {
  return {
    name: 'gce',
    rateLimited: () => {
      const message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'compute.googleapis.com'."
      return json(429, { error: { code: 429, message, errors: [{ message, domain: 'usageLimits', reason: 'rateLimitExceeded' }], status: 'RESOURCE_EXHAUSTED' } })
    },
    serverError: () => {
      const message = 'Internal error. Please try again or contact Google Support.'
      return json(500, { error: { code: 500, message, errors: [{ message, domain: 'global', reason: 'backendError' }], status: 'INTERNAL' } })
    },
    // An insert answers with its operation; the operation's targetId is the instance or rule it makes.
    createdId: (body) => idOf(body, (parsed) => parsed.targetId),
  }
}

/**
 * Azure Resource Manager (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
 * a 429 `TooManyRequests` with `Retry-After` and the `x-ms-ratelimit-remaining-subscription-*`
 * counters; a 500 `InternalServerError` in ARM's `{"error":{"code","message"}}`.
 */
export function azureShape(): ProviderShape {
  return {
    name: 'azure',
    rateLimited: ({ retryAfterSeconds, request }) =>
      json(429, { error: { code: 'TooManyRequests', message: 'The request is being throttled as the limit has been reached for operation type.' } }, {
        'retry-after': String(retryAfterSeconds),
        ...(request.method === 'GET' ? { 'x-ms-ratelimit-remaining-subscription-reads': '0' } : request.method === 'DELETE' ? { 'x-ms-ratelimit-remaining-subscription-deletes': '0' } : { 'x-ms-ratelimit-remaining-subscription-writes': '0' }),
        'x-ms-request-id': `proxy-${request.index}`,
      }),
    serverError: ({ request }) => json(500, { error: { code: 'InternalServerError', message: 'Encountered internal server error. Diagnostic information: proxy.' } }, { 'x-ms-request-id': `proxy-${request.index}` }),
  }
}
