/** The shared page reader (src/main/clouds/pagination.ts): parallel once the total is known, the same items as page by page. */
import { describe, expect, it } from 'vitest'
import { readAllPages, type Page } from '../../src/main/clouds/pagination'
import { AppError } from '../../src/shared/errors'

/** A provider list of `total` items, `size` a page, that reports its total and links the next page. */
function provider(total: number, size: number, options: { withTotal?: boolean; delayMs?: number } = {}) {
  let inFlight = 0
  let most = 0
  const asked: number[] = []
  let items = Array.from({ length: total }, (_, index) => `host-${index + 1}`)
  const fetchPage = async (page: number): Promise<Page<string>> => {
    asked.push(page)
    inFlight += 1
    most = Math.max(most, inFlight)
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5))
    inFlight -= 1
    const slice = items.slice((page - 1) * size, page * size)
    return { items: slice, total: options.withTotal === false ? undefined : items.length, next: page * size < items.length ? page + 1 : undefined }
  }
  return { fetchPage, asked, most: () => most, remove: (name: string) => void (items = items.filter((item) => item !== name)) }
}

const options = { maxPages: 50, provider: 'DigitalOcean', what: '/v2/droplets' }

describe('readAllPages', () => {
  it('asks for the other pages at once when the first tells the total, a few at a time, and keeps their order', async () => {
    const list = provider(5_000, 200)
    const items = await readAllPages(list.fetchPage, options)
    expect(items).toEqual(Array.from({ length: 5_000 }, (_, index) => `host-${index + 1}`))
    expect(list.asked[0]).toBe(1)
    expect([...list.asked].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, index) => index + 1))
    expect(list.most()).toBe(24) // every page after the first at once
  })

  it('gives the same items as reading page after page', async () => {
    for (const [total, size] of [[0, 200], [1, 200], [200, 200], [201, 200], [99, 7]] as const) {
      const parallel = await readAllPages(provider(total, size).fetchPage, options)
      const sequential = await readAllPages(provider(total, size, { withTotal: false }).fetchPage, options)
      expect(parallel).toEqual(sequential)
      expect(parallel).toHaveLength(total)
    }
  })

  it('without a total, follows the next page one at a time', async () => {
    const list = provider(50, 10, { withTotal: false })
    await readAllPages(list.fetchPage, options)
    expect(list.asked).toEqual([1, 2, 3, 4, 5])
    expect(list.most()).toBe(1)
  })

  it('a list that changed while it was read is read again page by page: nothing missed, nothing doubled', async () => {
    const list = provider(30, 10, { delayMs: 1 })
    const original = list.fetchPage
    let removed = false
    const fetchPage = async (page: number): Promise<Page<string>> => {
      const answer = await original(page)
      if (page === 1 && !removed) {
        removed = true
        list.remove('host-3') // deleted in the cloud between page 1 and the others: host-11 moves to page 1
      }
      return answer
    }
    const items = await readAllPages(fetchPage, options)
    expect(items).toHaveLength(29)
    expect(new Set(items).size).toBe(29)
    expect(items).toContain('host-11')
    expect(items).not.toContain('host-3')
  })

  it('refuses a list longer than the page bound, before asking for the pages', async () => {
    const list = provider(1_000, 10)
    const error = await readAllPages(list.fetchPage, { ...options, maxPages: 5 }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info.message).toBe('DigitalOcean kept returning more pages of /v2/droplets after 5; Exitdesk stopped reading.')
    expect(list.asked).toEqual([1])
  })
})
