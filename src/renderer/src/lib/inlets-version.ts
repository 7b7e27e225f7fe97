/**
 * The line under the create form's inlets-pro version field, judged as the user types, with
 * the same rule main applies (src/shared/inlets-versions.ts): a known release, a newer one
 * (allowed, with a warning shown before submitting), or one main will refuse. Pure: no React, no DOM.
 */
import { checkInletsRelease } from '../../../shared/inlets-versions'

export interface VersionHint {
  tone: 'ok' | 'warn' | 'error'
  text: string
}

export function versionHint(input: string): VersionHint {
  const version = input.trim()
  if (version === '') return { tone: 'error', text: 'Enter the inlets-pro release to install, such as 0.11.14.' }
  const check = checkInletsRelease(version)
  switch (check.status) {
    case 'known':
      return { tone: 'ok', text: `The inlets-pro release installed on the host. ${check.release.note}` }
    case 'newer':
      return { tone: 'warn', text: `Warning: ${check.warning}` }
    case 'refused':
      return { tone: 'error', text: `inlets-pro version ${check.reason}.` }
  }
}
