import { useSyncExternalStore } from 'react'
import { pageFromHash, type Page } from '../lib/route'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

const currentPage = (): Page => pageFromHash(window.location.hash)

/** The page the URL's hash names, following Back/Forward and the navigation's links. */
export function usePage(): Page {
  return useSyncExternalStore(subscribe, currentPage, currentPage)
}
