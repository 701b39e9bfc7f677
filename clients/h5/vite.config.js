import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// The H5 message board, served by wenzheng at /h5/ under a strict CSP (script-src 'self', no
// eval): everything bundled, nothing inline, nothing from a CDN. It imports the mini-program's
// api-core.js and labels.js (CommonJS) directly, so both clients run one API client.
// `npm run dev` proxies the API to a running server (WZ_API, default http://127.0.0.1:8080).
const api = process.env.WZ_API || 'http://127.0.0.1:8080'
const shared = fileURLToPath(new URL('../miniprogram/utils', import.meta.url))

export default defineConfig({
  plugins: [vue()],
  base: '/h5/',
  resolve: { alias: { '@shared': shared } },
  build: {
    target: 'es2019',
    modulePreload: { polyfill: false },
    commonjsOptions: { include: [/miniprogram\/utils/, /node_modules/] },
  },
  server: {
    fs: { allow: ['..'] },
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
})
