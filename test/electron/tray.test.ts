/**
 * The tray glue (src/main/tray.ts) against fake Electron classes: the menu follows
 * `hosts:changed`, Open and Quit reach the shell, and Delete asks first and then dispatches
 * `hosts:delete` through the core exactly as the window would. `vi.mock` keeps the real
 * 'electron' package from loading (requiring it tries to download the binary).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Core } from '../../src/main/core'
import { createEventBus } from '../../src/main/events'
import type { Host } from '../../src/shared/domain'

interface FakeItem {
  id?: string
  label?: string
  enabled?: boolean
  submenu?: FakeItem[]
  click?: () => void
}

const fake = vi.hoisted(() => ({
  menus: [] as FakeItem[][],
  tooltips: [] as string[],
  trayHandlers: new Map<string, () => void>(),
  destroyed: 0,
  answer: 1,
  asked: [] as Array<{ message: string; buttons: string[]; cancelId: number; defaultId: number }>,
  errors: [] as Array<[string, string]>,
  representations: [] as number[],
}))

vi.mock('electron', () => ({
  Tray: class {
    setToolTip(text: string) {
      fake.tooltips.push(text)
    }
    setContextMenu(menu: FakeItem[]) {
      fake.menus.push(menu)
    }
    on(event: string, handler: () => void) {
      fake.trayHandlers.set(event, handler)
    }
    destroy() {
      fake.destroyed += 1
    }
  },
  Menu: { buildFromTemplate: (template: FakeItem[]) => template },
  nativeImage: {
    createFromPath: () => ({ addRepresentation: ({ scaleFactor }: { scaleFactor: number }) => void fake.representations.push(scaleFactor) }),
  },
  dialog: {
    showMessageBox: async (options: { message: string; buttons: string[]; cancelId: number; defaultId: number }) => {
      fake.asked.push(options)
      return { response: fake.answer }
    },
    showErrorBox: (title: string, text: string) => void fake.errors.push([title, text]),
  },
}))
vi.mock('node:fs', () => ({ readFileSync: () => Buffer.from('png') }))
// electron-vite resolves these to file paths at build time; vitest does not know the suffix.
vi.mock('../../build/tray/tray.png?asset', () => ({ default: '/fake/tray.png' }))
vi.mock('../../build/tray/tray@2x.png?asset', () => ({ default: '/fake/tray@2x.png' }))

const { createTray } = await import('../../src/main/tray')

function host(id: string, name: string, state: Host['state'], monthlyCostUsd: number): Host {
  return { id, name, state, monthlyCostUsd, cloud: 'simulator', accountId: 'acc', region: 'sim-local-1', plan: 'sim-nano', rawStatus: state, createdAt: '2026-01-01T00:00:00Z', tunnel: { mode: 'tcp', domains: [] }, locator: {} as Host['locator'], discovered: false, busy: false }
}

function setup(hosts: Host[], deleteAnswer: { ok: true; data: unknown } | { ok: false; error: { code: 'internal'; message: string; retryable: false } } = { ok: true, data: {} }) {
  const events = createEventBus()
  const dispatched: Array<[string, unknown]> = []
  const state = { hosts }
  const core = {
    events,
    hosts: { snapshot: () => ({ hosts: state.hosts, version: 1, accountErrors: [] }) },
    dispatch: async (channel: string, input: unknown) => {
      dispatched.push([channel, input])
      return deleteAnswer
    },
  } as unknown as Core
  const shell = { opened: 0, quit: 0 }
  const tray = createTray({ core, openWindow: () => void (shell.opened += 1), quit: () => void (shell.quit += 1) })
  return { events, dispatched, state, shell, tray }
}

const lastMenu = (): FakeItem[] => fake.menus.at(-1) ?? []
const item = (id: string): FakeItem | undefined => lastMenu().find((entry) => entry.id === id)
const flush = () => new Promise((done) => setTimeout(done, 0))

beforeEach(() => {
  fake.menus.length = 0
  fake.tooltips.length = 0
  fake.asked.length = 0
  fake.errors.length = 0
  fake.representations.length = 0
  fake.trayHandlers.clear()
  fake.answer = 1
})

describe('the tray (src/main/tray.ts)', () => {
  it('shows the count and total at once with a HiDPI icon, and again on every hosts:changed', () => {
    const { events, state } = setup([host('1', 'api', 'active', 4)])
    expect(fake.representations).toEqual([2])
    expect(item('summary')?.label).toBe('1 host running · $4.00/mo')
    expect(fake.tooltips.at(-1)).toBe('Exitdesk — 1 host running · $4.00/mo')
    state.hosts = [...state.hosts, host('2', 'web', 'provisioning', 5)]
    events.emit('hosts:changed', { version: 2 })
    expect(item('summary')?.label).toBe('2 hosts running · $9.00/mo')
    expect(item('delete')?.submenu?.map((entry) => entry.label)).toEqual(['api (simulator, sim-local-1) · $4.00/mo', 'web (simulator, sim-local-1) · $5.00/mo'])
  })

  it('opens the window from the menu and from a click on the icon, and quits from the menu', () => {
    const { shell } = setup([])
    item('open')?.click?.()
    fake.trayHandlers.get('click')?.()
    item('quit')?.click?.()
    expect(shell).toEqual({ opened: 2, quit: 1 })
  })

  it('deletes nothing when the confirmation is cancelled', async () => {
    const { dispatched } = setup([host('1', 'api', 'active', 4)])
    fake.answer = 1 // Cancel
    item('delete')?.submenu?.[0]?.click?.()
    await flush()
    expect(fake.asked).toHaveLength(1)
    expect(fake.asked[0]).toMatchObject({ message: 'Delete api?', buttons: ['Delete', 'Cancel'], cancelId: 1, defaultId: 1 })
    expect(dispatched).toEqual([])
  })

  it('dispatches hosts:delete by id through the core once confirmed', async () => {
    const { dispatched } = setup([host('1', 'api', 'active', 4)])
    fake.answer = 0 // Delete
    item('delete')?.submenu?.[0]?.click?.()
    await flush()
    expect(dispatched).toEqual([['hosts:delete', { by: 'id', hostId: '1' }]])
    expect(fake.errors).toEqual([])
  })

  it("says so in a native box when the core refuses, in the core's own sentence", async () => {
    setup([host('1', 'api', 'active', 4)], { ok: false, error: { code: 'internal', message: 'The cloud refused the delete.', retryable: false } })
    fake.answer = 0
    item('delete')?.submenu?.[0]?.click?.()
    await flush()
    expect(fake.errors).toEqual([['Exitdesk could not delete api', 'The cloud refused the delete.']])
  })

  it('stops following events and removes the icon when disposed', () => {
    const { events, tray } = setup([])
    const before = fake.menus.length
    const destroyed = fake.destroyed
    tray.dispose()
    events.emit('hosts:changed', { version: 9 })
    expect(fake.menus.length).toBe(before)
    expect(fake.destroyed).toBe(destroyed + 1)
  })
})
