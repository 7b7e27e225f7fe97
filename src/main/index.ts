/**
 * The Electron shell, kept thin: secure window defaults, the IPC bridge, and the core.
 * Everything the app does lives in the core (src/main/core.ts) and is tested in web mode.
 */
import { join } from 'node:path'
import { app, BrowserWindow, dialog, Notification, session, shell } from 'electron'
import { APP_ENTRY_URL } from './app-protocol'
import { handleAppScheme, registerAppScheme } from './app-protocol-handler'
import { createCore, type Core } from './core'
import { defaultDataDir } from './data-dir'
import { isAllowedExternal } from './external-links'
import { registerIpc } from './ipc'
import { devicePermissionAllowed, permissionCheckAllowed, permissionRequestAllowed, refuseDeviceChoosers } from './permissions'
import { log } from './log'
import { showDesktopNotice } from './notify-desktop'
import { quitPlan, tearDownBeforeQuit, type QuitPlan } from './quit-teardown'
import { createSecretStore } from './secrets'
import { createTray } from './tray'
import { keepRunningInTray } from './tray-menu'
import { isTrustedUrl } from './trusted-url'

// The dev server only in development: a packaged app never loads (and never trusts) a URL from the environment.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL
// The built renderer, served as app://exitdesk/ (./app-protocol): never loaded from file://.
const rendererDir = join(__dirname, '../renderer')

/** Only our own page may call the contract: app://exitdesk/index.html, or the dev server in `npm run dev`. */
const trusted = (url: string): boolean => isTrustedUrl(url, devServerUrl, APP_ENTRY_URL)

// Before `ready`: Electron takes privileged schemes only then.
registerAppScheme()

// The same folder the web shell uses (EXITDESK_DATA_DIR, else <appData>/Exitdesk). Electron's own
// default is <appData>/<package name>, i.e. ~/.config/exitdesk on Linux, which is a different folder
// there; setting it also keeps Chromium's profile and the single-instance lock with the ledger.
app.setName('Exitdesk')
app.setPath('userData', defaultDataDir())

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Exitdesk',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  // New windows are never opened inside the app; links to the pages the manifests name go to the user's browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url, core?.registry.all().map((p) => p.manifest) ?? [])) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!trusted(url)) event.preventDefault()
  })
  if (devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadURL(APP_ENTRY_URL)
  return window
}

/** The window, brought to the front; a new one when it was closed to the tray. */
function showWindow(): void {
  const [window] = BrowserWindow.getAllWindows()
  if (!window) return void createWindow()
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}

function hardenSessions(): void {
  // Every permission and device is refused, except writing text to the clipboard from our own
  // page (the rules and why: src/main/permissions.ts).
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionRequestAllowed(trusted, permission, details)))
  ses.setPermissionCheckHandler((_contents, permission, _origin, details) => permissionCheckAllowed(trusted, permission, details))
  ses.setDevicePermissionHandler(() => devicePermissionAllowed())
  refuseDeviceChoosers(ses)
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}

let core: Core | undefined
let tray: { dispose(): void } | undefined

// One instance per data folder: two would poll the same clouds and write the same ledger.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  // Starting Exitdesk again shows the window, also when it was closed to the tray.
  app.on('second-instance', () => {
    if (app.isReady() && core) showWindow()
  })
  app.whenReady().then(async () => {
    hardenSessions()
    handleAppScheme(rendererDir)
    core = await createCore({ dataDir: app.getPath('userData'), secrets: createSecretStore(), shell: 'electron', version: app.getVersion() })
    registerIpc(core.dispatch, core.events, trusted, () => BrowserWindow.getAllWindows())
    // Main decides what is worth a notification (./hosts/notifications.ts) and, in the desktop
    // shell, shows it itself: it appears while the window is hidden or closed to the tray.
    core.events.on('notify', (notice) => void showDesktopNotice(notice, { Notification, onClick: () => showWindow() }))
    createWindow()
    try {
      tray = createTray({ core, openWindow: showWindow, quit: () => app.quit() })
    } catch (error) {
      // A desktop without a status area: the app works without the tray (and then quits with its last window).
      log.warn(`No tray icon: ${error instanceof Error ? error.message : 'unknown error'}`)
    }
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow()
    })
  }).catch((error: unknown) => {
    // AppError messages are sentences written for the user (e.g. "already running with this data folder").
    const message = error instanceof Error ? error.message : 'unknown error'
    log.error(`Exitdesk could not start: ${message}`)
    dialog.showErrorBox('Exitdesk could not start', message)
    app.exit(1)
  })
}

// Closing the last window keeps Exitdesk in the tray while a host is running, so its polling and
// teardown steps go on (keepRunningInTray, ./tray-menu), unless "keep running in the tray" is off
// in Settings (./window-settings); with none running it quits, on every platform. Without a tray icon there would be no way back but starting Exitdesk again (which
// shows the window, 'second-instance' above), so then it quits as before.
// https://www.electronjs.org/docs/latest/api/app#event-window-all-closed
app.on('window-all-closed', () => {
  if (tray && core && keepRunningInTray(core.hosts.snapshot().hosts, core.windowSettings())) return
  app.quit()
})
// "Tear down every host on quit" (a setting): asked once, listing what stays billable otherwise
// (./quit-teardown). The quit waits for the clouds to confirm the teardowns, at most a minute;
// what is left goes on at the next start, from the ledger.
// https://www.electronjs.org/docs/latest/api/app#event-before-quit
let quitConfirmed = false
app.on('before-quit', (event) => {
  if (quitConfirmed || !core) return
  const plan = quitPlan(core)
  if (plan.kind === 'quit') return
  event.preventDefault()
  void askBeforeQuit(core, plan)
})

async function askBeforeQuit(running: Core, plan: Extract<QuitPlan, { kind: 'ask' }>): Promise<void> {
  const { response } = await dialog.showMessageBox({ type: 'question', message: plan.question, detail: plan.detail, buttons: ['Delete and quit', 'Quit and keep them', 'Cancel'], defaultId: 0, cancelId: 2 })
  if (response === 2) return
  if (response === 0) {
    const { left } = await tearDownBeforeQuit(running, { timeoutMs: 60_000 })
    if (left.length > 0) log.warn(`Exitdesk: ${left.length} teardown(s) still under way at quit; they go on at the next start.`)
  }
  quitConfirmed = true
  app.quit()
}

app.on('will-quit', () => {
  tray?.dispose()
  void core?.stop()
})
