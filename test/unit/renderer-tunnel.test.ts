import { describe, expect, it } from 'vitest'
import type { Host, TunnelReadiness } from '../../src/shared/domain'
import { FAST_POLL_MS, SETTLED_POLL_MS, pollIntervalFor } from '../../src/renderer/src/lib/poll'
import { stateBadgeClass, tunnelLine, vmStateLabel } from '../../src/renderer/src/lib/tunnel'

const notReady: TunnelReadiness = { status: 'not-ready', control: 'not-answering', summary: 'tunnel server not answering yet · www.exitdesk-owner.dev points at 192.0.2.4, not this host' }
const ready: TunnelReadiness = { status: 'ready', control: 'answering', summary: 'tunnel ready', checkedAt: '2026-12-01T10:00:00.000Z' }
const unknown: TunnelReadiness = { status: 'unknown', control: 'unchecked', summary: 'not checked: 203.0.113.7 is a documentation address (RFC 5737)' }
const checking: TunnelReadiness = { status: 'checking', control: 'unchecked', summary: 'checking the tunnel server…' }

type Polled = Pick<Host, 'state' | 'busy' | 'retryAt' | 'readiness'>
const running = (readiness?: TunnelReadiness): Polled => ({ state: 'active', busy: false, readiness })

describe('host table: VM state and tunnel state apart', () => {
  it('labels the VM badge with what the cloud knows, and nothing about the tunnel', () => {
    expect(vmStateLabel('active')).toBe('VM running')
    expect(vmStateLabel('stopped')).toBe('VM stopped')
    expect(vmStateLabel('provisioning')).toBe('provisioning')
    expect(vmStateLabel('deleting')).toBe('deleting')
  })

  it('is green only when the VM runs and the tunnel is ready; a running VM with a tunnel not ready is amber', () => {
    expect(stateBadgeClass('active', ready)).toBe('badge-active')
    for (const readiness of [notReady, checking, unknown, undefined]) expect(stateBadgeClass('active', readiness)).toBe('badge-active-waiting')
    expect(stateBadgeClass('provisioning', undefined)).toBe('badge-provisioning')
    expect(stateBadgeClass('error', undefined)).toBe('badge-error')
  })

  it('shows the tunnel line as main summarized it, with a tone, and none before main checks', () => {
    expect(tunnelLine({ readiness: undefined })).toBeUndefined()
    expect(tunnelLine({ readiness: notReady })).toEqual({ tone: 'waiting', text: notReady.summary, title: undefined })
    expect(tunnelLine({ readiness: ready })).toMatchObject({ tone: 'ready', text: 'tunnel ready', title: expect.stringMatching(/^Checked /) })
    expect(tunnelLine({ readiness: unknown })?.tone).toBe('unknown')
    expect(tunnelLine({ readiness: checking })?.tone).toBe('waiting')
  })
})

describe('host table polling while a tunnel comes up', () => {
  it('a tunnel coming up does not speed the poll (main checks it without the cloud and pushes each change)', () => {
    expect(pollIntervalFor([running(notReady)], 0)).toBe(SETTLED_POLL_MS)
    expect(pollIntervalFor([running(checking)], 0)).toBe(SETTLED_POLL_MS)
  })

  it('stays settled once the tunnel is ready, or when nothing more can be learned', () => {
    expect(pollIntervalFor([running(ready)], 0)).toBe(SETTLED_POLL_MS)
    expect(pollIntervalFor([running(unknown)], 0)).toBe(SETTLED_POLL_MS)
    const stopped: Polled = { state: 'stopped', busy: false, readiness: notReady }
    expect(pollIntervalFor([stopped], 0)).toBe(SETTLED_POLL_MS)
  })

  it('a host being created still keeps the faster pace', () => {
    expect(pollIntervalFor([running(notReady), { state: 'provisioning', busy: true }], 0)).toBe(FAST_POLL_MS)
  })
})
