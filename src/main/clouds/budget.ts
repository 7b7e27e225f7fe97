/**
 * One request budget per cloud account: every request to a provider passes it, whoever asks
 * (a refresh, a teardown step, a click, every open window and browser tab alike).
 *
 * - It knows the provider's documented limits (the manifest's `rateLimits`, e.g. DigitalOcean's
 *   5,000 an hour and 250 a minute) and counts what this account sent in each rolling window.
 * - It reads the provider's `ratelimit-limit` / `-remaining` / `-reset` headers: a lower limit,
 *   or requests the provider counted that Exitdesk did not send (another tool using the same
 *   token), tighten it.
 * - After a 429 the whole account waits until `retry-after` (else `ratelimit-reset`, else a
 *   minute): nothing is sent for it meanwhile, whatever asks.
 * - A share of every window (USER_RESERVE) is kept for what the user clicked (create, delete,
 *   verify, the catalogue of the create form): background polling can never starve a click.
 * - It never waits. With no room it refuses at once, without sending, with a `rate-limited`
 *   AppError that says when to try again; the host service already backs off on those. The
 *   advice is spread: the n-th refusal in a row is told when n requests will have room, so the
 *   refused callers do not all come back at the same instant.
 */
import type { CloudInfo, RateLimitWindow } from '../../shared/domain'
import { AppError } from '../../shared/errors'
import type { Clock } from '../clock'

export type RequestPriority = 'user' | 'background'

/** The share of each window that only requests the user asked for may use. */
export const USER_RESERVE = 0.1
/** How long the account waits after a 429 that says neither `retry-after` nor `ratelimit-reset`. */
export const DEFAULT_PAUSE_MS = 60_000
/** A longer `retry-after` is not believed: the account waits at most this long. */
export const MAX_PAUSE_MS = 60 * 60_000
/**
 * When only requests counted by the provider (not sent by Exitdesk) fill a window, one request
 * is let through at the provider's `ratelimit-reset` to learn what is left; if its answer does
 * not arrive, the next probe goes this much later.
 */
export const PROBE_GAP_MS = 5_000

/** What a client consults before each request and tells about each answer. */
export interface RequestGate {
  /** Takes room for one request, or throws a `rate-limited` AppError at once: nothing may be sent. */
  beforeRequest(): void
  /** The answer's status and headers, as soon as they arrive. */
  afterResponse(status: number, headers: Headers): void
}

export interface RequestBudgetOptions {
  /** e.g. "DigitalOcean": used in sentences. */
  provider: string
  windows: readonly RateLimitWindow[]
  clock: Clock
  /** Share of each window kept for the user's own requests. Default USER_RESERVE. */
  userReserve?: number
}

/** What the provider's headers said about one window, beyond what Exitdesk counted itself. */
interface Foreign {
  /** Requests the provider counted in the window that Exitdesk did not send. */
  count: number
  observedAt: number
  /** When a request may be let through to learn more (the provider's reset time). */
  probeAt: number
}

interface WindowState {
  readonly documented: number
  /** The documented limit, or the provider's `ratelimit-limit` where that is lower. */
  requests: number
  readonly perSeconds: number
  foreign?: Foreign
}

export class RequestBudget {
  private readonly windowStates: WindowState[]
  /** Send times, oldest first, from `head` on; older than the longest window are dropped. */
  private sentAt: number[] = []
  private head = 0
  private pausedUntil = Number.NEGATIVE_INFINITY
  /** Times the refusals of the last while were told to come back at (pending advice). */
  private advised: number[] = []
  private readonly reserve: number
  /** Requests let through, ever. */
  sent = 0
  /** Requests refused without sending, ever. */
  refused = 0
  /** Answers of 429 seen, ever. */
  tooManyRequests = 0
  private lastNow = Number.NEGATIVE_INFINITY

  constructor(private readonly options: RequestBudgetOptions) {
    this.windowStates = options.windows.map((window) => ({ documented: window.requests, requests: window.requests, perSeconds: window.perSeconds }))
    this.reserve = options.userReserve ?? USER_RESERVE
  }

  /** The limits in force: the documented ones, lowered where the provider's headers said so. */
  windows(): RateLimitWindow[] {
    return this.windowStates.map(({ requests, perSeconds }) => ({ requests, perSeconds }))
  }

  /** The time the account waits until after a 429, when that is still ahead. */
  pausedUntilMs(): number | undefined {
    return this.pausedUntil > this.now() ? this.pausedUntil : undefined
  }

  /** How many requests of this priority would be let through right now (0 while paused). */
  room(priority: RequestPriority): number {
    const now = this.now()
    if (now < this.pausedUntil) return 0
    this.prune(now)
    let room = Number.POSITIVE_INFINITY
    for (const window of this.windowStates) {
      const limit = this.limit(window, priority)
      const own = this.own(window, now)
      let free = Math.max(0, limit - own - this.foreign(window, now))
      // As take(): a window full only by the provider's count of others' requests lets one probe
      // through once its reset has come. Without it, callers that look at the room before asking
      // would never send that probe, and one 429 with "remaining: 0" would hold the account for
      // the whole window (an hour at Hetzner).
      if (free === 0 && own < limit && window.foreign && now >= window.foreign.probeAt) free = 1
      room = Math.min(room, free)
    }
    return room === Number.POSITIVE_INFINITY ? Number.MAX_SAFE_INTEGER : room
  }

  /** Takes room for one request, or throws `rate-limited` at once. */
  take(priority: RequestPriority): void {
    const now = this.now()
    if (now < this.pausedUntil) throw this.refuse(now, this.pausedUntil - now, { kind: 'paused' })
    this.prune(now)
    let waitMs = 0
    let binding: WindowState | undefined
    let probe: WindowState | undefined
    for (const window of this.windowStates) {
      const limit = this.limit(window, priority)
      const own = this.own(window, now)
      const foreign = this.foreign(window, now)
      if (own + foreign < limit) continue
      if (own < limit && window.foreign && now >= window.foreign.probeAt) {
        // Full only by the provider's count of others' requests, and its reset has come: ask.
        probe = window
        continue
      }
      const wait = this.waitMs(window, limit, own, foreign, now)
      if (wait >= waitMs) {
        waitMs = wait
        binding = window
      }
    }
    if (binding) throw this.refuse(now, waitMs, { kind: 'window', window: binding, priority })
    if (probe?.foreign) probe.foreign.probeAt = now + PROBE_GAP_MS
    this.sentAt.push(now)
    this.sent += 1
  }

  /** Reads an answer: the provider's rate-limit headers, and a 429. */
  observe(status: number, headers: Headers): void {
    const now = this.now()
    this.prune(now)
    const limit = headerNumber(headers, 'ratelimit-limit')
    const remaining = headerNumber(headers, 'ratelimit-remaining')
    const resetEpoch = headerNumber(headers, 'ratelimit-reset')
    const resetMs = resetEpoch !== undefined && resetEpoch > 0 ? (resetEpoch > 1_000_000_000 ? resetEpoch * 1000 : now + resetEpoch * 1000) : undefined
    const window = limit !== undefined && limit > 0 ? this.windowFor(limit) : undefined
    if (window && limit !== undefined) {
      window.requests = Math.min(window.documented, limit)
      if (remaining !== undefined && remaining >= 0) {
        const counted = Math.max(0, limit - remaining)
        const extra = counted - this.own(window, now)
        window.foreign = extra > 0 ? { count: extra, observedAt: now, probeAt: Math.max(now, resetMs ?? now + window.perSeconds * 1000) } : undefined
      }
    }
    if (status === 429) {
      this.tooManyRequests += 1
      const retry = retryAfterMs(headers, now)
      const until = now + Math.min(MAX_PAUSE_MS, retry ?? (resetMs !== undefined && resetMs > now ? resetMs - now : DEFAULT_PAUSE_MS))
      this.pausedUntil = Math.max(this.pausedUntil, until)
    }
  }

  /** The same budget, seen by requests of one priority. */
  gate(priority: RequestPriority): RequestGate {
    return {
      beforeRequest: () => this.take(priority),
      afterResponse: (status, headers) => this.observe(status, headers),
    }
  }

  /** The clock, never going back (a system clock set back would otherwise unsort the send times). */
  private now(): number {
    this.lastNow = Math.max(this.lastNow, this.options.clock.now())
    return this.lastNow
  }

  private limit(window: WindowState, priority: RequestPriority): number {
    if (priority === 'user') return window.requests
    const kept = window.requests > 1 ? Math.max(1, Math.round(window.requests * this.reserve)) : 0
    return window.requests - kept
  }

  private own(window: WindowState, now: number): number {
    return this.sentAt.length - this.firstInside(now - window.perSeconds * 1000)
  }

  private foreign(window: WindowState, now: number): number {
    const foreign = window.foreign
    if (!foreign) return 0
    // What the provider counted at `observedAt` has left its window one window later at most.
    if (now >= foreign.observedAt + window.perSeconds * 1000) {
      window.foreign = undefined
      return 0
    }
    return foreign.count
  }

  /**
   * Until this window has room for the next refused request. The k-th refusal still waiting
   * needs k entries to leave: Exitdesk's own leave one window after they were sent, the
   * provider's count of others' requests all at once (at its reset, or a window after it was
   * read). Entries beyond what is counted now leave whole windows later.
   */
  private waitMs(window: WindowState, limit: number, own: number, foreign: number, now: number): number {
    this.advised = this.advised.filter((at) => at > now)
    const windowMs = window.perSeconds * 1000
    const needed = own + foreign - limit + 1 + this.advised.length
    const first = this.firstInside(now - windowMs)
    const ownLeft = (count: number): number => this.sentAt[first + count - 1]! + windowMs
    const foreignLeaves = window.foreign && foreign > 0 ? Math.min(window.foreign.probeAt, window.foreign.observedAt + windowMs) : Number.POSITIVE_INFINITY
    let at = Number.POSITIVE_INFINITY
    if (needed <= own) at = ownLeft(needed)
    if (foreign > 0) {
      const stillOwn = needed - foreign
      if (stillOwn <= 0) at = Math.min(at, foreignLeaves)
      else if (stillOwn <= own) at = Math.min(at, Math.max(foreignLeaves, ownLeft(stillOwn)))
    }
    if (at === Number.POSITIVE_INFINITY) {
      const allLeft = Math.max(own > 0 ? ownLeft(own) : now, foreign > 0 ? foreignLeaves : now)
      at = allLeft + Math.ceil((needed - own - foreign) / Math.max(1, limit)) * windowMs
    }
    return Math.max(1, at - now)
  }

  private refuse(now: number, waitMs: number, why: { kind: 'paused' } | { kind: 'window'; window: WindowState; priority: RequestPriority }): AppError {
    this.refused += 1
    if (why.kind === 'window') this.advised.push(now + waitMs)
    const seconds = Math.max(1, Math.ceil(waitMs / 1000))
    const provider = this.options.provider
    let message: string
    if (why.kind === 'paused') {
      message = `${provider} asked Exitdesk to slow down, so nothing is sent for this account until it may go on.`
    } else {
      const limit = `${why.window.requests.toLocaleString('en-US')} requests ${per(why.window.perSeconds)}`
      message =
        why.priority === 'user'
          ? `Exitdesk is keeping this account under ${provider}'s limit of ${limit}.`
          : `Exitdesk is keeping this account under ${provider}'s limit of ${limit}, with room left for what you click.`
    }
    return new AppError({ code: 'rate-limited', message: `${message} Exitdesk will try again in ${seconds} s.`, retryable: true, retryAfterSeconds: seconds })
  }

  /** The window a header's limit describes: the documented one with that limit, else the longest. */
  private windowFor(limit: number): WindowState | undefined {
    const documented = this.options.windows.findIndex((window) => window.requests === limit)
    if (documented >= 0) return this.windowStates[documented]
    return [...this.windowStates].sort((a, b) => b.perSeconds - a.perSeconds)[0]
  }

  /** Index of the first send at or after `since` (binary search from `head`). */
  private firstInside(since: number): number {
    let low = this.head
    let high = this.sentAt.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.sentAt[middle]! > since) high = middle
      else low = middle + 1
    }
    return low
  }

  private prune(now: number): void {
    const longest = Math.max(0, ...this.windowStates.map((window) => window.perSeconds)) * 1000
    this.head = this.firstInside(now - longest)
    if (this.head > 1024 && this.head * 2 > this.sentAt.length) {
      this.sentAt = this.sentAt.slice(this.head)
      this.head = 0
    }
  }
}

/** One budget per account, made from its cloud's manifest the first time it is asked for. */
export class BudgetRegistry {
  private readonly budgets = new Map<string, RequestBudget>()

  constructor(private readonly clock: Clock) {}

  /** The account's budget; undefined for a cloud without documented limits (the simulated cloud). */
  for(accountId: string, manifest: Pick<CloudInfo, 'label' | 'rateLimits'>): RequestBudget | undefined {
    const windows = manifest.rateLimits?.windows
    if (!windows || windows.length === 0) return undefined
    let budget = this.budgets.get(accountId)
    if (!budget) {
      budget = new RequestBudget({ provider: manifest.label, windows, clock: this.clock })
      this.budgets.set(accountId, budget)
    }
    return budget
  }

  /** The budget already made for this account, if any. */
  get(accountId: string): RequestBudget | undefined {
    return this.budgets.get(accountId)
  }

  forget(accountId: string): void {
    this.budgets.delete(accountId)
  }
}

function per(seconds: number): string {
  if (seconds === 3600) return 'an hour'
  if (seconds === 60) return 'a minute'
  if (seconds === 1) return 'a second'
  return `per ${seconds} s`
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const value = headers.get(name)
  if (value === null || value.trim() === '') return undefined
  const parsed = Number(value)
  return Number.isFinite(parsed) ? parsed : undefined
}

/** `retry-after` in milliseconds (seconds or an HTTP date), when present. */
function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = headers.get('retry-after')
  if (value === null) return undefined
  const seconds = Number(value)
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
