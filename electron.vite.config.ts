import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

/**
 * `npm run dev` only: React Fast Refresh and Vite inject inline scripts and styles and talk
 * over a websocket, which the page's strict policy forbids. Builds keep the strict policy.
 */
const relaxPolicyForDevServer: Plugin = {
  name: 'exitdesk-dev-csp',
  apply: 'serve',
  transformIndexHtml: (html) =>
    html
      .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
      .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
      .replace("connect-src 'self'", "connect-src 'self' ws://localhost:*"),
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // Two entries over one core: the Electron shell, and the same core served to a browser (`npm run web`).
        input: { index: resolve('src/main/index.ts'), web: resolve('src/main/web-entry.ts') },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot require node_modules: bundle everything it imports.
    build: { externalizeDeps: false },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react(), relaxPolicyForDevServer],
    // Minified: the page loads faster (and `npm run web` starts sooner) than from the raw bundle.
    build: { minify: true, rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
})
