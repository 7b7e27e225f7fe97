/**
 * Reads every page of a provider's list, for every cloud's client. When the first page says how
 * many items there are in all, the other pages are asked for at once (a few at a time, each
 * through the account's request budget like any request), so a refresh of 5,000 DigitalOcean
 * hosts takes two round trips instead of 25; without a total, pages are followed one by
 * one. A list that changed while it was read (the pages disagree on the total) is read again one
 * page after another, so no host is missed or doubled.
 */
import { AppError } from '../../shared/errors'

/** One page as the client read it. */
export interface Page<T> {
  items: T[]
  /** How many items the whole list has, when the provider says. */
  total?: number
  /** The page to read after this one, when the provider links one (page numbers count from 1). */
  next?: number
}

export interface PaginationOptions {
  /** Bound on pages read for one list, so a broken answer never loops forever. */
  maxPages: number
  /** Pages asked for at the same time once the total is known. */
  concurrency?: number
  /** e.g. "DigitalOcean", for the error sentence. */
  provider: string
  /** e.g. "/v2/droplets", for the error sentence. */
  what: string
}

/**
 * Up to 25 at a time: 5,000 DigitalOcean hosts (25 pages of 200) take one round after the first
 * page — two round trips, under a second at 200 ms each — and a tenth of the 250-a-minute burst
 * limit. Every page still passes the account's budget, which refuses rather than overshoot.
 */
export const PAGE_CONCURRENCY = 25

export async function readAllPages<T>(fetchPage: (page: number) => Promise<Page<T>>, options: PaginationOptions): Promise<T[]> {
  const first = await fetchPage(1)
  const size = first.items.length
  if (first.total !== undefined && size > 0 && first.total > size) {
    const pages = Math.ceil(first.total / size)
    if (pages > options.maxPages) throw tooManyPages(options)
    const numbers = Array.from({ length: pages - 1 }, (_, index) => index + 2)
    const rest = await mapLimited(numbers, options.concurrency ?? PAGE_CONCURRENCY, fetchPage)
    const consistent = rest.every((page, index) => page.total === first.total && (index === rest.length - 1 ? page.items.length > 0 : page.items.length === size))
    if (consistent) return [first, ...rest].flatMap((page) => page.items)
    // The list changed while it was read: items may have moved between pages.
    return followPages(await fetchPage(1), fetchPage, options)
  }
  return followPages(first, fetchPage, options)
}

/** Page after page, as long as the provider links a next one. */
async function followPages<T>(first: Page<T>, fetchPage: (page: number) => Promise<Page<T>>, options: PaginationOptions): Promise<T[]> {
  const items = [...first.items]
  let current = first
  let number = 1
  for (let read = 1; current.next !== undefined && current.next > number; read++) {
    if (read >= options.maxPages) throw tooManyPages(options)
    number = current.next
    current = await fetchPage(number)
    items.push(...current.items)
  }
  return items
}

/** Runs `work` over `items`, at most `limit` at a time; the results keep the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane))
  return results
}

function tooManyPages(options: PaginationOptions): AppError {
  return new AppError({
    code: 'provider-unavailable',
    message: `${options.provider} kept returning more pages of ${options.what} after ${options.maxPages}; Exitdesk stopped reading.`,
    retryable: false,
  })
}
