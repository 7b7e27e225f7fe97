/**
 * The copy dialog's values: prefilled from what main remembers, turned into the
 * `hosts:client-command` request. Main checks every value and names the field at fault; an
 * empty box is left out, so main uses the remembered value. Pure: no React, no DOM.
 */
import type { ChannelInput, ClientCommandDefaults, TokenMode } from '../../../shared/contract'
import type { TunnelMode } from '../../../shared/domain'

export interface ClientCommandDraft {
  tokenMode: TokenMode
  /** TCP: a host or IP; HTTPS: a URL. */
  upstream: string
  /** TCP only. */
  ports: string
  clientVersion: string
  licenseFile: string
}

export const CLIENT_COMMAND_FIELDS = ['upstream', 'ports', 'clientVersion', 'licenseFile', 'tokenMode'] as const
export type ClientCommandField = (typeof CLIENT_COMMAND_FIELDS)[number]

/** The dialog's starting values for a host of this mode; nothing remembered yet: empty boxes (main fills in its defaults). */
export function draftFor(mode: TunnelMode, defaults: ClientCommandDefaults | undefined): ClientCommandDraft {
  return {
    tokenMode: defaults?.tokenMode ?? 'file',
    upstream: (mode === 'tcp' ? defaults?.tcpUpstream : defaults?.httpUpstream) ?? '',
    ports: mode === 'tcp' ? (defaults?.tcpPorts ?? '') : '',
    clientVersion: defaults?.clientVersion ?? '',
    licenseFile: defaults?.licenseFile ?? '',
  }
}

export function clientCommandRequest(hostId: string, mode: TunnelMode, draft: ClientCommandDraft): ChannelInput<'hosts:client-command'> {
  const given = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim())
  return {
    hostId,
    tokenMode: draft.tokenMode,
    upstream: given(draft.upstream),
    // Ports are a TCP choice: an HTTPS host sends none, so the remembered TCP ports stay as they are.
    ports: mode === 'tcp' ? given(draft.ports) : undefined,
    clientVersion: given(draft.clientVersion),
    licenseFile: given(draft.licenseFile),
  }
}
