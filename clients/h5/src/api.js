// The board's API client: the mini-program's api-core.js with the browser's transport.
import core from '@shared/api-core.js'
import { fetchTransport, localStore } from './transport.js'

export const api = core.createClient({
  baseUrl: '', // same origin: the server serves /h5/ and /api/v1/
  transport: fetchTransport(),
  storage: localStore(),
  random: () => {
    const a = new Uint32Array(1)
    crypto.getRandomValues(a)
    return a[0] / 4294967296
  },
  onSessionExpired: () => {
    if (!location.hash.startsWith('#/login')) location.hash = '#/login?next=' + encodeURIComponent(location.hash.slice(1))
  },
})
