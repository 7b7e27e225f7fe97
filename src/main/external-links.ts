/**
 * Which links the window may hand to the user's browser (`shell.openExternal`). Only https
 * pages on the exact hosts the cloud manifests name (console, documentation, the image's
 * release notes) and Exitdesk's own help hosts: a page that could call openExternal with any
 * URL could open a look-alike login page, or a `file:`/custom-scheme URL that starts a
 * program. Kept free of Electron so it is unit-tested (test/electron/external-links.test.ts).
 */
import type { CloudInfo } from '../shared/domain'

/** Exitdesk's own help: inlets' site and documentation. */
export const HELP_LINKS = ['https://inlets.dev/', 'https://docs.inlets.dev/'] as const

/** The exact host names allowed, from the manifests' `links` and `image.link`, plus the help hosts. */
export function allowedExternalHosts(manifests: readonly CloudInfo[]): Set<string> {
  const named = [...HELP_LINKS, ...manifests.flatMap((manifest) => [manifest.links?.console, manifest.links?.docs, manifest.image.link])]
  const hosts = new Set<string>()
  for (const link of named) {
    const url = link ? parseHttps(link) : undefined
    if (url) hosts.add(url.hostname)
  }
  return hosts
}

/**
 * True for an https URL without user name or password, on the default port, whose host is
 * exactly one of `allowedExternalHosts` — no suffix matching, so neither
 * "docs.digitalocean.com.evil.example" nor "evil-inlets.dev" passes.
 */
export function isAllowedExternal(url: string, manifests: readonly CloudInfo[]): boolean {
  const parsed = parseHttps(url)
  if (!parsed || parsed.username || parsed.password || parsed.port) return false
  return allowedExternalHosts(manifests).has(parsed.hostname)
}

function parseHttps(url: string): URL | undefined {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' ? parsed : undefined
  } catch {
    return undefined
  }
}
