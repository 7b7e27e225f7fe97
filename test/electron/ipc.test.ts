/**
 * The Electron side of the bridge without Electron: src/main/ipc.ts against a fake ipcMain, the
 * preload against a fake contextBridge/ipcRenderer, and the trusted-URL rule. `vi.mock` keeps
 * the real 'electron' package from loading (requiring it tries to download the binary).
 */
import { pathToFileURL } from 'node:url'
import { join, resolve } from 'node:path'
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { registerIpc } from '../../src/main/ipc'
import { createEventBus, type EventBus } from '../../src/main/events'
import type { Dispatch } from '../../src/main/dispatch'
import { isTrustedUrl } from '../../src/main/trusted-url'
import { APP_ENTRY_URL } from '../../src/main/app-protocol'
import { channelNames, type ExitdeskBridge } from '../../src/shared/contract'
import type { Envelope } from '../../src/shared/errors'
import { EVENT_PREFIX, INVOKE_PREFIX } from '../../src/shared/ipc-names'

type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<Envelope<unknown>>
type RendererListener = (event: unknown, payload: unknown) => void

const fake = vi.hoisted(() => {
  const handlers = new Map<string, unknown>()
  const rendererListeners = new Map<string, Set<unknown>>()
  const exposed: Array<{ key: string; api: unknown }> = []
  return {
    handlers,
    rendererListeners,
    exposed,
    ipcMain: {
      handle: vi.fn((channel: string, handler: unknown) => {
        // Electron refuses a second handler for one channel; so does the fake.
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
        handlers.set(channel, handler)
      }),
      removeHandler: vi.fn((channel: string) => {
        handlers.delete(channel)
      }),
    },
    contextBridge: {
      exposeInMainWorld: vi.fn((key: string, api: unknown) => {
        exposed.push({ key, api })
      }),
    },
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, input: unknown) => ({ ok: true, data: { channel, input } })),
      on: vi.fn((channel: string, listener: unknown) => {
        const set = rendererListeners.get(channel) ?? new Set()
        rendererListeners.set(channel, set)
        set.add(listener)
      }),
      removeListener: vi.fn((channel: string, listener: unknown) => {
        rendererListeners.get(channel)?.delete(listener)
      }),
    },
  }
})

vi.mock('electron', () => ({ ipcMain: fake.ipcMain, contextBridge: fake.contextBridge, ipcRenderer: fake.ipcRenderer }))

// The window loads the built renderer from app:// (src/main/app-protocol.ts), never from file://.
const RENDERER_URL = APP_ENTRY_URL
const RENDERER_FILE = resolve('/opt/Exitdesk/resources/app.asar/out/renderer/index.html')
const trusted = (url: string): boolean => isTrustedUrl(url, undefined, APP_ENTRY_URL)

/** An invoke event as Electron builds it: the sending frame and its webContents' main frame. */
function invokeEvent(from: 'main-frame' | 'subframe' | 'no-frame' | 'disposed-frame', url = RENDERER_URL): IpcMainInvokeEvent {
  const mainFrame = { url, parent: null }
  const subframe = { url, parent: mainFrame }
  const event = { sender: { mainFrame } } as Record<string, unknown>
  if (from === 'disposed-frame') {
    // Electron throws "Render frame was disposed before WebFrameMain could be accessed".
    Object.defineProperty(event, 'senderFrame', {
      get: () => {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed')
      },
    })
  } else {
    event.senderFrame = from === 'main-frame' ? mainFrame : from === 'subframe' ? subframe : null
  }
  return event as unknown as IpcMainInvokeEvent
}

interface FakeWindow {
  sent: Array<[string, unknown]>
  destroyed: boolean
  url: string
}

function fakeWindow(options: { destroyed?: boolean; url?: string } = {}): FakeWindow & { asWindow: BrowserWindow } {
  const state: FakeWindow = { sent: [], destroyed: options.destroyed ?? false, url: options.url ?? RENDERER_URL }
  const asWindow = {
    isDestroyed: () => state.destroyed,
    webContents: {
      isDestroyed: () => state.destroyed,
      getURL: () => state.url,
      send: (channel: string, payload: unknown) => {
        if (state.destroyed) throw new Error('Object has been destroyed')
        state.sent.push([channel, payload])
      },
    },
  } as unknown as BrowserWindow
  return Object.assign(state, { asWindow })
}

function handler(channel: string): Handler {
  const found = fake.handlers.get(`${INVOKE_PREFIX}${channel}`)
  if (!found) throw new Error(`no handler for ${channel}`)
  return found as Handler
}

describe('registerIpc (src/main/ipc.ts)', () => {
  let dispatch: ReturnType<typeof vi.fn<Dispatch>>
  let events: EventBus
  let windows: BrowserWindow[]
  let dispose: () => void

  beforeEach(() => {
    fake.handlers.clear()
    fake.ipcMain.handle.mockClear()
    fake.ipcMain.removeHandler.mockClear()
    dispatch = vi.fn<Dispatch>(async (channel, input) => ({ ok: true, data: { channel, input } }))
    events = createEventBus()
    windows = []
    dispose = registerIpc(dispatch, events, trusted, () => windows)
  })
  afterEach(() => dispose())

  it('registers every contract channel under exitdesk:invoke:, and nothing else', () => {
    expect([...fake.handlers.keys()].sort()).toEqual(channelNames.map((channel) => `${INVOKE_PREFIX}${channel}`).sort())
    expect(fake.ipcMain.handle).toHaveBeenCalledTimes(channelNames.length)
    expect(channelNames).toContain('hosts:create')
  })

  it('passes a call from our own page (main frame, trusted URL) to dispatch and returns its envelope', async () => {
    const input = { accountId: 'simulated' }
    await expect(handler('clouds:catalog')(invokeEvent('main-frame'), input)).resolves.toEqual({ ok: true, data: { channel: 'clouds:catalog', input } })
    expect(dispatch).toHaveBeenCalledExactlyOnceWith('clouds:catalog', input)

    // A failure envelope comes back unchanged too.
    const failure: Envelope<unknown> = { ok: false, error: { code: 'not-found', message: 'No such account.', retryable: false } }
    dispatch.mockResolvedValueOnce(failure)
    await expect(handler('accounts:verify')(invokeEvent('main-frame'), { accountId: 'gone' })).resolves.toEqual(failure)
  })

  it.each([
    ['a subframe', invokeEvent('subframe')],
    ['no frame (null senderFrame)', invokeEvent('no-frame')],
    ['a frame disposed while the call was in flight', invokeEvent('disposed-frame')],
    ['an untrusted https page', invokeEvent('main-frame', 'https://evil.example/')],
    ['another local file', invokeEvent('main-frame', pathToFileURL(resolve('/tmp/evil/renderer/index.html')).href)],
    ['a page with no URL', invokeEvent('main-frame', '')],
  ])('refuses a call from %s with forbidden-sender, without calling dispatch', async (_what, event) => {
    const answer = await handler('hosts:list')(event, {})
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden-sender', retryable: false } })
    expect(dispatch).not.toHaveBeenCalled()
  })

  it('sends bus events to every live window of ours as exitdesk:event:<name>, not to destroyed or foreign ones', () => {
    const first = fakeWindow()
    const second = fakeWindow()
    const destroyed = fakeWindow({ destroyed: true })
    const foreign = fakeWindow({ url: 'https://evil.example/' })
    windows = [first.asWindow, destroyed.asWindow, second.asWindow, foreign.asWindow]

    events.emit('hosts:changed', { version: 5 })
    events.emit('accounts:changed', { at: '2025-01-01T00:00:01.000Z' })

    const expected = [
      [`${EVENT_PREFIX}hosts:changed`, { version: 5 }],
      [`${EVENT_PREFIX}accounts:changed`, { at: '2025-01-01T00:00:01.000Z' }],
    ]
    expect(first.sent).toEqual(expected)
    expect(second.sent).toEqual(expected)
    expect(destroyed.sent).toEqual([])
    expect(foreign.sent).toEqual([])
  })

  it('the returned disposer removes every handler and stops forwarding events', () => {
    const window = fakeWindow()
    windows = [window.asWindow]
    dispose()
    expect(fake.handlers.size).toBe(0)
    expect(fake.ipcMain.removeHandler).toHaveBeenCalledTimes(channelNames.length)
    events.emit('hosts:changed', { version: 5 })
    expect(window.sent).toEqual([])
    // Registering again works (no "second handler" error), as after a reload of the shell.
    dispose = registerIpc(dispatch, events, trusted, () => windows)
    expect(fake.handlers.size).toBe(channelNames.length)
  })
})

describe('the preload (src/preload/index.ts)', () => {
  let bridge: ExitdeskBridge

  beforeEach(async () => {
    if (fake.exposed.length === 0) await import('../../src/preload/index')
    bridge = fake.exposed[0]?.api as ExitdeskBridge
  })

  it('exposes exactly window.exitdesk = { invoke, on } and nothing else', () => {
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(fake.exposed.map((entry) => entry.key)).toEqual(['exitdesk'])
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on'])
    expect(typeof bridge.invoke).toBe('function')
    expect(typeof bridge.on).toBe('function')
  })

  it('invoke namespaces the channel and returns main’s answer', async () => {
    const answer = await bridge.invoke('clouds:catalog', { accountId: 'simulated' })
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(`${INVOKE_PREFIX}clouds:catalog`, { accountId: 'simulated' })
    expect(answer).toEqual({ ok: true, data: { channel: `${INVOKE_PREFIX}clouds:catalog`, input: { accountId: 'simulated' } } })
  })

  it('on() listens under the event prefix, hands the page only the payload, and its return value unsubscribes', () => {
    const listener = vi.fn()
    const off = bridge.on('hosts:changed', listener)
    const name = `${EVENT_PREFIX}hosts:changed`
    expect(fake.ipcRenderer.on).toHaveBeenLastCalledWith(name, expect.any(Function))
    const listeners = [...(fake.rendererListeners.get(name) ?? [])] as RendererListener[]
    expect(listeners).toHaveLength(1)

    // The IpcRendererEvent (which carries ipcRenderer itself as `sender`) never reaches the page.
    const ipcEvent = { sender: fake.ipcRenderer }
    for (const wrapped of listeners) wrapped(ipcEvent, { version: 9 })
    expect(listener).toHaveBeenCalledExactlyOnceWith({ version: 9 })

    off()
    expect(fake.ipcRenderer.removeListener).toHaveBeenLastCalledWith(name, listeners[0])
    expect(fake.rendererListeners.get(name)?.size).toBe(0)
  })
})

describe('isTrustedUrl (src/main/trusted-url.ts)', () => {
  const devServer = 'http://localhost:5173/'
  const trustedIn = (url: string, dev?: string): boolean => isTrustedUrl(url, dev, APP_ENTRY_URL)

  it('accepts the built renderer at app://exitdesk/index.html, with a hash or query', () => {
    expect(RENDERER_URL).toBe('app://exitdesk/index.html')
    expect(trustedIn(RENDERER_URL)).toBe(true)
    expect(trustedIn(`${RENDERER_URL}#/hosts`)).toBe(true)
    expect(trustedIn(`${RENDERER_URL}?view=hosts`)).toBe(true)
    // The URL parser folds dot segments as Chromium does, so this is the same page.
    expect(trustedIn('app://exitdesk/assets/../index.html')).toBe(true)
  })

  it('refuses other pages the scheme serves, other hosts, ports and user names', () => {
    for (const url of ['app://exitdesk/', 'app://exitdesk/assets/index.js', 'app://exitdesk/other.html', 'app://evil/index.html', 'app://exitdesk.evil/index.html', 'app://exitdesk:8080/index.html', 'app://user@exitdesk/index.html', 'app://exitdesk/index.html/x']) {
      expect(trustedIn(url), url).toBe(false)
    }
  })

  it('refuses every file:// URL, the built renderer file itself included (the window never loads from file://)', () => {
    const other = (path: string): string => pathToFileURL(resolve(path)).href
    expect(trustedIn(pathToFileURL(RENDERER_FILE).href)).toBe(false)
    expect(trustedIn(other('/tmp/evil/renderer/index.html'))).toBe(false)
    expect(trustedIn(other(join(RENDERER_FILE, '..', 'other.html')))).toBe(false)
    expect(trustedIn(other('/etc/passwd'))).toBe(false)
    expect(trustedIn('file://exitdesk/index.html')).toBe(false)
  })

  it('refuses web pages and odd URLs', () => {
    for (const url of ['https://evil.example/', 'https://evil.example/index.html', 'https://exitdesk/index.html', 'http://localhost:5173/', 'about:blank', 'data:text/html,<h1>hi</h1>', 'javascript:alert(1)', '', 'not a url']) {
      expect(trustedIn(url), url).toBe(false)
    }
  })

  it('trusts nothing when the entry it is given is not an app page (http, file://, garbage)', () => {
    expect(isTrustedUrl('https://evil.example/index.html', undefined, 'https://evil.example/index.html')).toBe(false)
    expect(isTrustedUrl(pathToFileURL(RENDERER_FILE).href, undefined, pathToFileURL(RENDERER_FILE).href)).toBe(false)
    expect(isTrustedUrl('not a url', undefined, 'not a url')).toBe(false)
  })

  it('accepts the dev server origin only when one is set, and then nothing else', () => {
    expect(trustedIn('http://localhost:5173/', devServer)).toBe(true)
    expect(trustedIn('http://localhost:5173/src/main.tsx#x', devServer)).toBe(true)
    expect(trustedIn('http://localhost:5174/', devServer)).toBe(false)
    expect(trustedIn('https://localhost:5173/', devServer)).toBe(false)
    expect(trustedIn('https://evil.example/', devServer)).toBe(false)
    // In development only the dev server is ours; the built page is not what the window shows.
    expect(trustedIn(RENDERER_URL, devServer)).toBe(false)
  })

  it('never matches opaque origins: a file:// or garbage dev server URL trusts nothing', () => {
    expect(trustedIn(RENDERER_URL, 'file:///anything')).toBe(false)
    expect(trustedIn('file:///anything', 'file:///anything')).toBe(false)
    expect(trustedIn('data:text/html,x', 'data:text/html,x')).toBe(false)
    expect(trustedIn('app://exitdesk/index.html', 'app://exitdesk/')).toBe(false)
    expect(trustedIn('http://localhost:5173/', 'not a url')).toBe(false)
  })
})
