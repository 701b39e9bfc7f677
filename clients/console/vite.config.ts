import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// The console is served by wenzheng from clients/console/dist under a strict CSP
// (script-src 'self', no eval): everything is bundled, nothing inline, nothing from a CDN.
// `npm run dev` proxies the API to a running server (WZ_API, default http://127.0.0.1:8080).
const api = process.env.WZ_API || 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  base: './',
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2021',
    chunkSizeWarningLimit: 1200,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
} as any)
