/**
 * "Tear down every host on quit" for the Electron shell (src/main/index.ts wires it; this module
 * has no Electron in it, so it is tested on its own). Two steps:
 *
 * 1. `quitPlan(core)` when the app is about to quit: `quit` (nothing billable is left, or the
 *    setting is off) or `ask`, with the question, the hosts that stay billable otherwise, one
 *    line each, and the monthly total, for a dialog.
 * 2. If the user says yes, `tearDownBeforeQuit(core)`: starts every teardown and resolves when
 *    the clouds confirmed them all, or after `timeoutMs`, with what is still going. Whatever is
 *    left is in the ledger and goes on at the next start (teardown resumes from its record).
 */
import type { Host } from '../shared/domain'
import type { Core } from './core'

export type QuitCore = Pick<Core, 'hosts' | 'events' | 'autoTeardownSettings'>

export type QuitPlan =
  | { kind: 'quit'; billable: Host[] }
  | { kind: 'ask'; billable: Host[]; question: string; detail: string }

export function quitPlan(core: QuitCore): QuitPlan {
  const billable = core.hosts.hostsLeftBillable()
  if (billable.length === 0 || !core.autoTeardownSettings().teardownOnQuit) return { kind: 'quit', billable }
  const total = billable.reduce((sum, host) => sum + (host.monthlyCostUsd ?? 0), 0)
  const lines = billable.map((host) => `• ${host.name} — ${host.cloud} ${host.region}${host.monthlyCostUsd !== undefined ? `, $${host.monthlyCostUsd.toFixed(2)}/mo` : ''}`)
  return {
    kind: 'ask',
    billable,
    question: `Delete ${billable.length === 1 ? 'this host' : `these ${billable.length} hosts`} before quitting?`,
    detail: `${lines.join('\n')}\n\nIf you quit without deleting, ${billable.length === 1 ? 'it stays' : 'they stay'} running and billable (about $${total.toFixed(2)} a month).`,
  }
}

export interface TeardownWait {
  timeoutMs: number
  setTimeout?: (callback: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
}

/** Starts every teardown, then waits for the clouds to confirm them (the service's own tick advances them). */
export async function tearDownBeforeQuit(core: QuitCore, wait: TeardownWait): Promise<{ done: boolean; left: Host[] }> {
  const setTimer = wait.setTimeout ?? ((callback, ms) => setTimeout(callback, ms))
  const clearTimer = wait.clearTimeout ?? ((handle) => clearTimeout(handle as NodeJS.Timeout))
  await core.hosts.tearDownAll()
  if (core.hosts.hostsTearingDown().length === 0) return { done: true, left: [] }
  return new Promise((resolve) => {
    const finish = (): void => {
      off()
      clearTimer(timer)
      const left = core.hosts.hostsTearingDown()
      resolve({ done: left.length === 0, left })
    }
    const off = core.events.on('hosts:changed', () => {
      if (core.hosts.hostsTearingDown().length === 0) finish()
    })
    const timer = setTimer(finish, wait.timeoutMs)
  })
}
