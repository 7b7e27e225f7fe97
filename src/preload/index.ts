/**
 * The whole preload: `window.exitdesk = { invoke, on }`, typed by the contract, nothing else.
 * No raw ipcRenderer reaches the page (the GitHub Desktop / electron-vite template lesson), and
 * every name is namespaced, so the page can reach only Exitdesk's own handlers. Main checks the
 * sender, the channel and the input.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { ExitdeskBridge } from '../shared/contract'
import { EVENT_PREFIX, INVOKE_PREFIX } from '../shared/ipc-names'

const bridge: ExitdeskBridge = {
  invoke: (channel, input) => ipcRenderer.invoke(`${INVOKE_PREFIX}${String(channel)}`, input),
  on(event, listener) {
    const name = `${EVENT_PREFIX}${String(event)}`
    const wrapped = (_event: IpcRendererEvent, payload: Parameters<typeof listener>[0]): void => listener(payload)
    ipcRenderer.on(name, wrapped)
    return () => {
      ipcRenderer.removeListener(name, wrapped)
    }
  },
}

contextBridge.exposeInMainWorld('exitdesk', bridge)
