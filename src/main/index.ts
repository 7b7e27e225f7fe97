/**
 * The Electron shell, kept thin: secure window defaults, the IPC bridge, and the core.
 * Everything the app does lives in the core (src/main/core.ts) and is tested in web mode.
 */
import { join } from 'node:path'
import { app, BrowserWindow, session, shell } from 'electron'
import { createCore, type Core } from './core'
import { registerIpc } from './ipc'
import { createSecretStore } from './secrets'

const devServerUrl = process.env.ELECTRON_RENDERER_URL
const rendererFile = join(__dirname, '../renderer/index.html')

/** Only our own page may call the contract: the built file, or the dev server in `npm run dev`. */
function isTrustedUrl(url: string): boolean {
  if (devServerUrl) return new URL(url).origin === new URL(devServerUrl).origin
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).endsWith('/renderer/index.html')
}

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
      spellcheck: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  // New windows are never opened inside the app; web links go to the user's browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault()
  })
  if (devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadFile(rendererFile)
  return window
}

function hardenSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}

let core: Core | undefined

app.setName('Exitdesk')
app.whenReady().then(async () => {
  hardenSessions()
  core = await createCore({ dataDir: app.getPath('userData'), secrets: createSecretStore(), shell: 'electron', version: app.getVersion() })
  registerIpc(core.dispatch, core.events, isTrustedUrl, () => BrowserWindow.getAllWindows())
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
}).catch((error: unknown) => {
  console.error('Exitdesk could not start:', error instanceof Error ? error.message : 'unknown error')
  app.exit(1)
})

app.on('window-all-closed', () => {
  core?.stop()
  if (process.platform !== 'darwin') app.quit()
})
