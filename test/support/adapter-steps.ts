/**
 * What the adapter tests in test/clouds/ share when they call a provisioner directly against a
 * fake: a host spec with the cloud's region and plan, and create and delete steps called again
 * and again as the host service calls them (each call one quick step).
 */
import type { HostLocator, TunnelMode } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, Provisioner, StepResult } from '../../src/main/clouds/types'

export interface SpecDefaults {
  region: string
  plan: string
  /** Default: a two-line shell script. */
  userData?: string
  /** Default: 0.11.14. */
  inletsVersion?: string
}

/** `spec(hostId, mode, overrides)`: a host named exit-calm-otter-<hostId>, tagged for Exitdesk and the host. */
export function specMaker(defaults: SpecDefaults) {
  return (hostId: string, mode: TunnelMode = 'tcp', overrides: Partial<ProvisionSpec> = {}): ProvisionSpec => ({
    hostId,
    name: `exit-calm-otter-${hostId}`,
    region: defaults.region,
    plan: defaults.plan,
    userData: defaults.userData ?? '#!/bin/bash\necho "inlets exit server"\n',
    tunnel: { mode, inletsVersion: defaults.inletsVersion ?? '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    ...overrides,
  })
}

/** Provision steps from the region's start until done, or `limit` calls (default `defaultLimit`). */
export function provisionSteps(signal: () => AbortSignal, defaultLimit: number) {
  return async (p: Provisioner, ctx: CloudContext, s: ProvisionSpec, limit = defaultLimit): Promise<StepResult> => {
    let step = await p.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())
    for (let calls = 1; !step.done && calls < limit; calls++) step = await p.provision(ctx, s, step.locator, step.progress, signal())
    return step
  }
}

/**
 * Delete steps until done, or until the adapter waits for the cloud to remove the instance (its
 * progress is `waiting`), or `limit` calls (default 8).
 */
export function deleteSteps(signal: () => AbortSignal, waiting: string) {
  return async (p: Provisioner, ctx: CloudContext, from: { locator: HostLocator; progress?: string }, limit = 8): Promise<StepResult> => {
    let step = await p.delete(ctx, from.locator, from.progress, signal())
    for (let calls = 1; !step.done && step.progress !== waiting && calls < limit; calls++) step = await p.delete(ctx, step.locator, step.progress, signal())
    return step
  }
}
