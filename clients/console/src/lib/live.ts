// Live ticket changes from GET /api/v1/events/stream (server-sent events). EventSource cannot
// send the bearer header, so this reads the stream with fetch (@microsoft/fetch-event-source)
// and runs its own reconnect loop. The server's contract ("reload, then follow"):
//   event: ready   -> reload the view, then apply events
//   event: ticket  -> one ticket event in the caller's scope (id: = its id, sent back as
//                     Last-Event-ID on reconnect)
//   event: resync  -> events may have been skipped: reload the view
//   event: expired -> the access token expired and the server ends the stream: refresh, reconnect
// Other ends (a restart, the network) reconnect with a backoff of 1, 2, 4 ... 30 s; a 401
// refreshes the token first. A server without the stream (404) is "unavailable" and is tried
// again every 5 minutes.
import { ref, type Ref } from 'vue'
import { fetchEventSource } from '@microsoft/fetch-event-source'
import { accessToken, refreshSession } from '@/api/client'
import type { TicketStreamEvent } from '@/api/extras'

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable' | 'stopped'

export interface LiveHandlers {
  /** one ticket changed */
  ticket(e: TicketStreamEvent): void
  /** reload the view (the stream (re)started, or events were skipped) */
  reload(): void
}

export interface LiveStream {
  state: Ref<LiveState>
  stop(): void
}

class End extends Error {
  constructor(public refresh: boolean, public missing = false) { super('stream ended') }
}

export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5))
}

export function openTicketStream(on: LiveHandlers): LiveStream {
  const state = ref<LiveState>('connecting')
  let lastId = ''
  let stopped = false
  let ctrl: AbortController | null = null
  let attempt = 0
  let timer: number | undefined

  async function connectOnce(): Promise<void> {
    ctrl = new AbortController()
    let expired = false
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    const tok = accessToken()
    if (tok) headers.Authorization = `Bearer ${tok}`
    if (lastId) headers['Last-Event-ID'] = lastId
    await fetchEventSource('/api/v1/events/stream', {
      headers,
      signal: ctrl.signal,
      openWhenHidden: true,
      async onopen(r) {
        if (r.ok && (r.headers.get('content-type') ?? '').startsWith('text/event-stream')) return
        if (r.status === 401) throw new End(true)
        if (r.status === 404 || r.status === 405 || r.status === 403) throw new End(false, true)
        throw new End(false)
      },
      onmessage(m) {
        if (m.id) lastId = m.id
        switch (m.event) {
          case 'ready':
            state.value = 'live'
            attempt = 0
            on.reload()
            break
          case 'resync':
            on.reload()
            break
          case 'expired':
            expired = true
            break
          case 'ticket':
            try { on.ticket(JSON.parse(m.data) as TicketStreamEvent) } catch { /* a malformed event is skipped */ }
            break
        }
      },
      onclose() { throw new End(expired) },
      onerror(err) { throw err instanceof End ? err : new End(false) },
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
        const end = e instanceof End ? e : new End(false)
        if (end.missing) {
          state.value = 'unavailable'
          wait = 300_000
        } else {
          state.value = 'reconnecting'
          if (end.refresh) {
            await refreshSession()
            wait = attempt === 0 ? 0 : backoffMs(attempt)
            attempt++
          } else {
            wait = backoffMs(attempt++)
          }
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
