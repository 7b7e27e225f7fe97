import { describe, expect, it } from 'vitest'
import { clientCommandRequest, draftFor } from '../../src/renderer/src/lib/client-command'
import type { ClientCommandDefaults } from '../../src/shared/contract'

const remembered: ClientCommandDefaults = {
  tokenMode: 'inline',
  tcpUpstream: 'nas.lan',
  tcpPorts: '22,5432',
  httpUpstream: 'http://127.0.0.1:3000',
  clientVersion: '0.11.13',
  licenseFile: '/opt/inlets/LICENSE',
}

describe('copy dialog: values', () => {
  it('prefills from the remembered values, by the host mode', () => {
    expect(draftFor('tcp', remembered)).toEqual({ tokenMode: 'inline', upstream: 'nas.lan', ports: '22,5432', clientVersion: '0.11.13', licenseFile: '/opt/inlets/LICENSE' })
    expect(draftFor('https', remembered)).toMatchObject({ upstream: 'http://127.0.0.1:3000', ports: '' })
  })

  it('starts from the token file, with empty boxes, when nothing could be read', () => {
    expect(draftFor('tcp', undefined)).toEqual({ tokenMode: 'file', upstream: '', ports: '', clientVersion: '', licenseFile: '' })
  })

  it('sends trimmed values, leaves empty boxes out (main uses what it remembers), and no ports for an HTTPS host', () => {
    const draft = { tokenMode: 'file' as const, upstream: ' 10.0.0.2 ', ports: '80, 443 ', clientVersion: '', licenseFile: '  ' }
    expect(clientCommandRequest('h1', 'tcp', draft)).toEqual({ hostId: 'h1', tokenMode: 'file', upstream: '10.0.0.2', ports: '80, 443', clientVersion: undefined, licenseFile: undefined })
    expect(clientCommandRequest('h1', 'https', draft).ports).toBeUndefined()
  })
})
