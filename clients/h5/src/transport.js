// The browser's transport for api-core.js (clients/miniprogram/utils/api-core.js): fetch for
// JSON, a raw image body for uploads (the server checks the bytes), a Blob turned into an object
// URL for images (they need the bearer token, so <img src> cannot fetch them itself).
// Also what the node test of api-core (tests/integration/test_miniprogram_api.py) runs against
// the real server: node 20 has fetch, Blob and URL.createObjectURL.

function headersOf(resp) {
  const out = {}
  resp.headers.forEach((v, k) => { out[k.toLowerCase()] = v })
  return out
}

async function withTimeout(ms, run) {
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(new Error('timeout')), ms)
  try {
    return await run(ctl.signal)
  } catch (e) {
    if (ctl.signal.aborted) throw new Error('timeout')
    throw e
  } finally {
    clearTimeout(timer)
  }
}

export function fetchTransport(fetchImpl = (...a) => globalThis.fetch(...a)) {
  return {
    request({ method, url, headers, body, timeout }) {
      return withTimeout(timeout || 15000, async (signal) => {
        const resp = await fetchImpl(url, { method, headers, body, signal, credentials: 'omit' })
        return { status: resp.status, headers: headersOf(resp), data: await resp.text() }
      })
    },
    upload({ url, headers, file, timeout }) {
      return withTimeout(timeout || 60000, async (signal) => {
        const type = file.type || 'application/octet-stream'
        const resp = await fetchImpl(url, {
          method: 'POST', headers: { ...headers, 'Content-Type': type }, body: file, signal, credentials: 'omit',
        })
        return { status: resp.status, headers: headersOf(resp), data: await resp.text() }
      })
    },
    download({ url, headers }) {
      return withTimeout(30000, async (signal) => {
        const resp = await fetchImpl(url, { headers, signal, credentials: 'omit' })
        if (!resp.ok) return { status: resp.status, headers: headersOf(resp), data: await resp.text() }
        const blob = await resp.blob()
        return { status: resp.status, headers: headersOf(resp), data: URL.createObjectURL(blob) }
      })
    },
  }
}

export function localStore(store = globalThis.localStorage) {
  return {
    get: (k) => store.getItem(k),
    set: (k, v) => store.setItem(k, v),
    remove: (k) => store.removeItem(k),
  }
}
