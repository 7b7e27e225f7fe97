/**
 * The window's pages, addressed by the URL's hash (#/accounts): a reload or the browser's Back
 * button keeps the page, in the app:// protocol and in the web bridge's /app/<token>/ alike,
 * and no router library is needed for three pages.
 */
export const PAGES = ['hosts', 'accounts', 'settings'] as const
export type Page = (typeof PAGES)[number]

export const PAGE_TITLES: Record<Page, string> = { hosts: 'Hosts', accounts: 'Accounts', settings: 'Settings' }

/** The page a hash names; Hosts, the default, for anything else. */
export function pageFromHash(hash: string): Page {
  const name = hash.replace(/^#\/?/, '')
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : 'hosts'
}

export function hashFor(page: Page): string {
  return `#/${page}`
}
