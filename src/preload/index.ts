/**
 * The whole preload: `window.exitdesk = { invoke, on }`, typed by the contract, nothing else.
 * No raw ipcRenderer reaches the page (the GitHub Desktop / electron-vite template lesson).
 */
import { contextBridge, ipcRenderer } from 'electron'
import { channelNames, eventNames, type Channel, type EventName, type ExitdeskBridge } from '../shared/contract'

const EVENT_PREFIX = 'event:'

const bridge: ExitdeskBridge = {
  invoke(channel, input) {
    if (!channelNames.includes(channel as Channel)) {
      return Promise.resolve({ ok: false, error: { code: 'unknown-channel', message: 'There is no such channel.', retryable: false } })
    }
    return ipcRenderer.invoke(channel, input)
  },
  on(event, listener) {
    if (!eventNames.includes(event as EventName)) throw new Error(`Unknown event ${String(event)}`)
    const wrapped = (_event: Electron.IpcRendererEvent, payload: Parameters<typeof listener>[0]): void => listener(payload)
    ipcRenderer.on(`${EVENT_PREFIX}${event}`, wrapped)
    return () => {
      ipcRenderer.removeListener(`${EVENT_PREFIX}${event}`, wrapped)
    }
  },
}

contextBridge.exposeInMainWorld('exitdesk', bridge)
