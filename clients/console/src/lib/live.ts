// Live ticket changes from GET /api/v1/events/stream (server-sent events). EventSource cannot
// send the bearer header, so this reads the stream with fetch (@microsoft/fetch-event-source)
// and runs its own reconnect loop: Last-Event-ID from the last event seen, a refresh of the
// access token when the server ends the stream or answers 401 (the token expired), and a
// backoff of 1, 2, 4 ... 30 s. A 404 means the server has no stream yet: "unavailable", and a
// new try every 5 minutes.
import { ref, type Ref } from 'vue'
import { fetchEventSource } from '@microsoft/fetch-event-source'
import { accessToken, refreshSession } from '@/api/client'
import type { TicketStreamEvent } from '@/api/pending'

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable' | 'stopped'

class Retry extends Error { constructor(public refresh: boolean, public missing = false) { super('retry') } }

export interface LiveStream {
  state: Ref<LiveState>
  stop(): void
}

export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5))
}

export function openTicketStream(onEvent: (e: TicketStreamEvent) => void): LiveStream {
  const state = ref<LiveState>('connecting')
  let lastId = ''
  let stopped = false
  let ctrl: AbortController | null = null
  let attempt = 0
  let timer: number | undefined

  async function connectOnce(): Promise<void> {
    ctrl = new AbortController()
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    const tok = accessToken()
    if (tok) headers.Authorization = `Bearer ${tok}`
    if (lastId) headers['Last-Event-ID'] = lastId
    await fetchEventSource('/api/v1/events/stream', {
      headers,
      signal: ctrl.signal,
      openWhenHidden: true,
      async onopen(r) {
        if (r.ok && (r.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
          state.value = 'live'
          attempt = 0
          return
        }
        if (r.status === 401) throw new Retry(true)
        if (r.status === 404 || r.status === 405) throw new Retry(false, true)
        throw new Retry(false)
      },
      onmessage(m) {
        if (m.id) lastId = m.id
        if (m.event !== 'ticket' || !m.data) return
        try { onEvent(JSON.parse(m.data) as TicketStreamEvent) } catch { /* a malformed event is skipped */ }
      },
      onclose() {
        // the server ends the stream when the access token expires
        throw new Retry(true)
      },
      onerror(err) { throw err instanceof Retry ? err : new Retry(false) },
    })
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let wait = 0
      try {
        await connectOnce()
        return // aborted by stop()
      } catch (e) {
        if (stopped) return
        const r = e instanceof Retry ? e : new Retry(false)
        if (r.missing) {
          state.value = 'unavailable'
          wait = 300_000
        } else {
          state.value = 'reconnecting'
          if (r.refresh) await refreshSession()
          wait = backoffMs(attempt++)
        }
      }
      await new Promise<void>((res) => { timer = window.setTimeout(res, wait) })
    }
  }

  loop()
  return {
    state,
    stop() {
      stopped = true
      state.value = 'stopped'
      window.clearTimeout(timer)
      ctrl?.abort()
    },
  }
}
