/**
 * How OVH's API authenticates a request ("classic" application keys): four headers, the last a
 * signature of the exact request, with a timestamp in the API's own clock.
 *
 *   X-Ovh-Application  the application key
 *   X-Ovh-Consumer     the consumer key
 *   X-Ovh-Timestamp    server time, whole seconds
 *   X-Ovh-Signature    "$1$" + hex SHA-1 of
 *                      applicationSecret+consumerKey+METHOD+fullUrl+body+timestamp
 *
 * The full URL includes the query string; the body is the exact JSON text sent ("" for none).
 * Sources: `signRequest` in ovh/node-ovh `lib/ovh.es6.js`, `Client.call` in ovh/python-ovh
 * `ovh/client.py` and go-ovh `ovh/ovh.go` (provider-facts.md section 9).
 *
 * The server time is local time plus a delta measured once per account from GET /auth/time (an
 * unsigned call) and kept: node-ovh measures it once per client object (`apiTimeDiff`); Exitdesk
 * makes a client per call, so the delta lives in this cache, not in the client.
 */
import { createHash } from 'node:crypto'

export interface SigningInput {
  applicationSecret: string
  consumerKey: string
  method: string
  url: string
  body: string
  timestamp: number
}

export function ovhSignature(input: SigningInput): string {
  const plain = [input.applicationSecret, input.consumerKey, input.method.toUpperCase(), input.url, input.body, String(input.timestamp)].join('+')
  return `$1$${createHash('sha1').update(plain, 'utf8').digest('hex')}`
}

/** Server time delta (seconds) per account and endpoint, measured once and shared by concurrent callers. */
export class TimeDeltas {
  private readonly deltas = new Map<string, Promise<number>>()
  /** How many times a delta was measured (GET /auth/time sent): for tests and the bench. */
  measured = 0

  constructor(readonly now: () => number = Date.now) {}

  /** The delta for `key`, measuring it with `serverTime` (epoch seconds) only the first time. */
  get(key: string, serverTime: () => Promise<number>): Promise<number> {
    let delta = this.deltas.get(key)
    if (!delta) {
      this.measured += 1
      delta = serverTime().then((server) => server - Math.round(this.now() / 1000))
      this.deltas.set(key, delta)
      // A failed measurement is not kept: the next call measures again.
      delta.catch(() => {
        if (this.deltas.get(key) === delta) this.deltas.delete(key)
      })
    }
    return delta
  }

  /** The API refused a signature: the local clock may have jumped since; measure again next time. */
  forget(key: string): void {
    this.deltas.delete(key)
  }

  /** Server time (epoch seconds) for a known delta. */
  timestamp(delta: number): number {
    return Math.round(this.now() / 1000) + delta
  }
}
