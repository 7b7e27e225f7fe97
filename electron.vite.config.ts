import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

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
    plugins: [react()],
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
})
