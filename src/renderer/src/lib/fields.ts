/**
 * Main names the field at fault by its dotted path ("tunnel.domains.0") and starts its
 * sentence with that path. The forms show the same sentence with the words the user sees
 * on the screen instead ("Domain 1 must be ..."). Pure: no React, no DOM.
 */
import type { AppErrorInfo } from '../../../shared/errors'

const LABELS: Record<string, string> = {
  accountId: 'Account',
  name: 'Host name',
  region: 'Region',
  plan: 'Plan',
  'tunnel.mode': 'Tunnel mode',
  'tunnel.inletsVersion': 'inlets-pro version',
  'tunnel.domains': 'Domains',
  'tunnel.letsEncryptIssuer': "Let's Encrypt issuer",
  cloud: 'Cloud',
  label: 'Label',
  endpoint: 'API endpoint',
  credentials: 'Credentials',
  // The client command dialog.
  upstream: 'Upstream',
  ports: 'Ports',
  clientVersion: 'Client inlets-pro version',
  licenseFile: 'Licence file',
  tokenMode: 'Token',
}

/** The on-screen name of a field path; `credentialLabels` maps credential keys to their labels. */
export function fieldLabel(path: string, credentialLabels: Record<string, string> = {}): string | undefined {
  const known = LABELS[path]
  if (known) return known
  const domain = /^tunnel\.domains\.(\d+)$/.exec(path)
  if (domain) return `Domain ${Number(domain[1]) + 1}`
  const credential = /^credentials\.(.+)$/.exec(path)
  if (credential?.[1]) return credentialLabels[credential[1]] ?? credential[1]
  return undefined
}

/** The error with its leading field path replaced by the field's on-screen name. */
export function withFieldLabel(info: AppErrorInfo, credentialLabels: Record<string, string> = {}): AppErrorInfo {
  if (!info.field || !info.message.startsWith(`${info.field} `)) return info
  const label = fieldLabel(info.field, credentialLabels)
  return label ? { ...info, message: label + info.message.slice(info.field.length) } : info
}

/**
 * Which of a form's fields an error belongs to. `fields` lists the form's field paths; the
 * longest one that is the error's path or a prefix of it wins ("tunnel.domains.0" -> "tunnel.domains").
 */
export function matchField<F extends string>(errorField: string | undefined, fields: readonly F[]): F | undefined {
  if (!errorField) return undefined
  let best: F | undefined
  for (const field of fields) {
    if ((errorField === field || errorField.startsWith(`${field}.`)) && (!best || field.length > best.length)) best = field
  }
  return best
}
