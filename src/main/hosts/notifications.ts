/**
 * Notifications: main decides what the user should hear about, the windows (or, in Electron,
 * main itself: ../notify-desktop.ts) show it. Each goes out as one `notify` event on the bus,
 * which redacts it like every event.
 *
 * Each kind fires once per occasion, not once per refresh:
 * - host ready: when a host's tunnel turns ready after this run saw it not ready, or for a host
 *   created in this run. A restart that finds a hundred tunnels already up says nothing.
 * - teardown finished: when a teardown's record goes (the cloud confirmed everything is gone).
 * - credential failing: when an account's credential goes from working (or unchecked) to failing.
 * - create refused: a create the cloud refused with no form waiting for the answer.
 * - auto-teardown soon: once per host (../hosts/auto-teardown.ts keeps that across restarts).
 */
import { randomUUID } from 'node:crypto'
import type { Notice, NoticeKind } from '../../shared/contract'
import type { AccountInfo, TunnelReadiness } from '../../shared/domain'
import type { Clock } from '../clock'
import type { EventBus } from '../events'

export interface NotifierDeps {
  events: EventBus
  clock: Clock
  /** The accounts as they are now, for telling a credential that just started failing. */
  accounts: () => AccountInfo[]
}

type HostRef = { id: string; name: string }

export class Notifier {
  /** Hosts whose tunnel becoming ready is news: created in this run, or seen not ready in it. */
  private readonly awaitingReady = new Set<string>()
  private readonly failing = new Set<string>()
  private readonly unsubscribe: () => void

  constructor(private readonly deps: NotifierDeps) {
    // Accounts already failing at start were said before (or are shown at the top): not news.
    for (const account of deps.accounts()) if (account.credential === 'failing') this.failing.add(account.id)
    this.unsubscribe = deps.events.on('accounts:changed', () => this.accountsChanged())
  }

  stop(): void {
    this.unsubscribe()
  }

  hostCreated(hostId: string): void {
    this.awaitingReady.add(hostId)
  }

  /** The readiness the table shows for a host changed. */
  readinessChanged(host: HostRef, readiness: TunnelReadiness | undefined): void {
    if (!readiness) return
    if (readiness.status === 'not-ready') this.awaitingReady.add(host.id)
    if (readiness.status !== 'ready' || !this.awaitingReady.delete(host.id)) return
    this.send('host-ready', `${host.name} is ready`, `The tunnel server on ${host.name} is answering; you can connect a client now.`, { hostId: host.id })
  }

  teardownFinished(host: HostRef, why: string | undefined): void {
    this.awaitingReady.delete(host.id)
    this.send('teardown-finished', `${host.name} was deleted`, why ? `${why} Nothing of it is left in the cloud.` : `Everything Exitdesk made for ${host.name} is gone from the cloud.`, { hostId: host.id })
  }

  createRefused(host: HostRef, reason: string): void {
    this.send('create-refused', `${host.name} could not be created`, reason, { hostId: host.id })
  }

  autoTeardownSoon(host: HostRef, minutes: number): void {
    this.send('auto-teardown-soon', `${host.name} will be deleted in ${minutes} minutes`, `Auto-teardown deletes ${host.name} in ${minutes} minutes; change "Delete after" on its row to keep it.`, { hostId: host.id })
  }

  private accountsChanged(): void {
    for (const account of this.deps.accounts()) {
      if (account.credential !== 'failing') {
        this.failing.delete(account.id)
        continue
      }
      if (this.failing.has(account.id)) continue
      this.failing.add(account.id)
      const why = account.credentialMessage ? ` ${account.credentialMessage}` : ''
      this.send('credential-failing', `${account.label} needs a new credential`, `The cloud stopped accepting the credential of ${account.label}.${why} Replace it under Accounts.`, { accountId: account.id })
    }
  }

  private send(kind: NoticeKind, title: string, body: string, refs: Pick<Notice, 'hostId' | 'accountId'>): void {
    this.deps.events.emit('notify', { id: randomUUID(), kind, title, body, at: new Date(this.deps.clock.now()).toISOString(), ...refs })
  }
}
