import type { ExitdeskBridge } from '../../shared/contract'

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the renderer runs in an ordinary browser (`npm run web`). */
    exitdesk?: ExitdeskBridge
  }
}

export {}
