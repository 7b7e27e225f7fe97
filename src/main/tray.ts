/**
 * The tray icon (the menu bar on macOS), kept thin: the menu and every decision come from
 * ./tray-menu (unit-tested); this file builds the Electron menu from them, rebuilds it on each
 * `hosts:changed` event, and carries out the clicks — a delete through the core's dispatcher,
 * exactly as the window's `hosts:delete` would, after a native confirmation.
 * https://www.electronjs.org/docs/latest/api/tray
 * https://www.electronjs.org/docs/latest/api/dialog#dialogshowmessageboxwindow-options
 */
/// <reference types="electron-vite/node" />
import { Menu, Tray, dialog, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import { readFileSync } from 'node:fs'
import type { Core } from './core'
import { log } from './log'
import { deleteConfirmation, trayMenuModel, traySummary, type TrayAction, type TrayMenuItem } from './tray-menu'
// electron-vite copies these next to the built main script (inside app.asar when packaged) and
// gives their paths: https://electron-vite.org/guide/assets#importing-asset-as-file-path-in-main-process
import trayIconPath from '../../build/tray/tray.png?asset'
import trayIcon2xPath from '../../build/tray/tray@2x.png?asset'

export interface TrayOptions {
  core: Core
  /** Shows the window, creating it when none is open. */
  openWindow(): void
  quit(): void
}

/** The 16 px icon with its 32 px copy for HiDPI screens (the hashed file names defeat Electron's own @2x lookup). */
function icon(): NativeImage {
  const image = nativeImage.createFromPath(trayIconPath)
  image.addRepresentation({ scaleFactor: 2, buffer: readFileSync(trayIcon2xPath) })
  return image
}

export function createTray(options: TrayOptions): { dispose(): void } {
  const tray = new Tray(icon())
  const hosts = () => options.core.hosts.snapshot().hosts

  const toElectron = (item: TrayMenuItem): MenuItemConstructorOptions => ({
    id: item.id,
    type: item.type ?? 'normal',
    ...(item.label !== undefined ? { label: item.label } : {}),
    ...(item.enabled !== undefined ? { enabled: item.enabled } : {}),
    ...(item.submenu ? { submenu: item.submenu.map(toElectron) } : {}),
    ...(item.action ? { click: () => void run(item.action as TrayAction) } : {}),
  })

  const update = (): void => {
    const current = hosts()
    tray.setToolTip(`Exitdesk — ${traySummary(current)}`)
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuModel(current).map(toElectron)))
  }

  async function run(action: TrayAction): Promise<void> {
    if (action.kind === 'open') return options.openWindow()
    if (action.kind === 'quit') return options.quit()
    const host = hosts().find((candidate) => candidate.id === action.hostId)
    if (!host) return
    const ask = deleteConfirmation(host)
    const { response } = await dialog.showMessageBox({ type: 'warning', title: 'Exitdesk', message: ask.message, detail: ask.detail, buttons: ask.buttons, defaultId: ask.defaultId, cancelId: ask.cancelId, noLink: true })
    if (response !== ask.confirmId) return
    const answer = await options.core.dispatch('hosts:delete', { by: 'id', hostId: host.id })
    if (!answer.ok) {
      log.warn(`Tray delete of a host failed: ${answer.error.message}`)
      dialog.showErrorBox(`Exitdesk could not delete ${host.name}`, answer.error.message)
    }
  }

  // Windows and Linux: a click on the icon opens the window (macOS opens the menu instead).
  tray.on('click', () => options.openWindow())
  const off = options.core.events.on('hosts:changed', update)
  update()
  return {
    dispose() {
      off()
      tray.destroy()
    },
  }
}
