/**
 * Carries the contract over Electron IPC. Every channel is registered here, through one
 * handler that checks the sender (our own page, main frame only: the VS Code lesson) before
 * the dispatcher validates the input and wraps the result in the envelope.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { channelNames, eventNames } from '../shared/contract'
import type { Envelope } from '../shared/errors'
import type { Dispatch } from './dispatch'
import type { EventBus } from './events'
import { EVENT_PREFIX, INVOKE_PREFIX } from '../shared/ipc-names'

export function registerIpc(dispatch: Dispatch, events: EventBus, isTrustedUrl: (url: string) => boolean, windows: () => BrowserWindow[]): () => void {
  for (const channel of channelNames) {
    ipcMain.handle(`${INVOKE_PREFIX}${channel}`, (event: IpcMainInvokeEvent, input: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event, isTrustedUrl)) {
        return Promise.resolve({ ok: false, error: { code: 'forbidden-sender', message: 'This page may not talk to Exitdesk.', retryable: false } })
      }
      return dispatch(channel, input)
    })
  }
  const unsubscribe = eventNames.map((name) =>
    events.on(name, (payload) => {
      // Only to our own page, like the sender check: events carry nothing secret, but nobody else needs them.
      for (const window of windows()) {
        if (window.isDestroyed() || window.webContents.isDestroyed() || !isTrustedUrl(window.webContents.getURL())) continue
        window.webContents.send(`${EVENT_PREFIX}${name}`, payload)
      }
    }),
  )
  return () => {
    for (const channel of channelNames) ipcMain.removeHandler(`${INVOKE_PREFIX}${channel}`)
    for (const off of unsubscribe) off()
  }
}

function isTrustedSender(event: IpcMainInvokeEvent, isTrustedUrl: (url: string) => boolean): boolean {
  try {
    const frame = event.senderFrame
    return frame !== null && frame === event.sender.mainFrame && isTrustedUrl(frame.url)
  } catch {
    // A frame that navigated away or was destroyed while the call was in flight throws on access:
    // refuse with the envelope rather than let Electron reject with "Error invoking remote method".
    return false
  }
}
