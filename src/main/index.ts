/**
 * The Electron shell, kept thin: secure window defaults, the IPC bridge, and the core.
 * Everything the app does lives in the core (src/main/core.ts) and is tested in web mode.
 */
import { join } from 'node:path'
import { app, BrowserWindow, dialog, session, shell } from 'electron'
import { createCore, type Core } from './core'
import { defaultDataDir } from './data-dir'
import { isAllowedExternal } from './external-links'
import { registerIpc } from './ipc'
import { devicePermissionAllowed, permissionCheckAllowed, permissionRequestAllowed, refuseDeviceChoosers } from './permissions'
import { log } from './log'
import { createSecretStore } from './secrets'
import { isTrustedUrl } from './trusted-url'

// The dev server only in development: a packaged app never loads (and never trusts) a URL from the environment.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL
const rendererFile = join(__dirname, '../renderer/index.html')

/** Only our own page may call the contract: the built file, or the dev server in `npm run dev`. */
const trusted = (url: string): boolean => isTrustedUrl(url, devServerUrl, rendererFile)

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
  else void window.loadFile(rendererFile)
  return window
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

// One instance per data folder: two would poll the same clouds and write the same ledger.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows()
    if (!window) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  app.whenReady().then(async () => {
    hardenSessions()
    core = await createCore({ dataDir: app.getPath('userData'), secrets: createSecretStore(), shell: 'electron', version: app.getVersion() })
    registerIpc(core.dispatch, core.events, trusted, () => BrowserWindow.getAllWindows())
    createWindow()
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

// On macOS the app stays alive with no window and 'activate' reopens one, so the core (its
// polling) stops only when the app really quits.
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
app.on('will-quit', () => void core?.stop())
