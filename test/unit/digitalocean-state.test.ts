import { describe, expect, it } from 'vitest'
import { HOST_STATES } from '../../src/shared/domain'
import { DROPLET_STATES, dropletState } from '../../src/main/clouds/digitalocean/state'

describe('DigitalOcean droplet status -> HostState', () => {
  it.each([
    ['new', 'provisioning'],
    ['active', 'active'],
    ['off', 'stopped'],
    ['archive', 'deleted'],
  ] as const)('maps %s to %s', (raw, state) => {
    expect(dropletState(raw)).toBe(state)
  })

  it('maps anything else to unknown, including names inherited from Object.prototype', () => {
    for (const raw of ['', 'ACTIVE', 'deleting', 'toString', 'constructor', '__proto__']) expect(dropletState(raw)).toBe('unknown')
    expect(dropletState(undefined)).toBe('unknown')
  })

  it('covers exactly the four statuses of the spec and only standard states', () => {
    expect(Object.keys(DROPLET_STATES).sort()).toEqual(['active', 'archive', 'new', 'off'])
    for (const state of Object.values(DROPLET_STATES)) expect(HOST_STATES).toContain(state)
    expect(Object.isFrozen(DROPLET_STATES)).toBe(true)
  })
})
