// The console's one way to the server: fetch with the bearer token, one refresh through
// /api/v1/auth/refresh when the server answers 401 (an expired access token), and the server's
// error shape turned into an ApiError whose message is in Chinese where the code is known.
// `api` is openapi-fetch typed by src/api/schema.d.ts (generated from api/openapi.yaml), so a
// call that does not match the contract does not compile.
import createClient from 'openapi-fetch'
import type { paths, components } from './schema'
import { t, type MessageKey } from '@/i18n'

export type Schemas = components['schemas']
export type Ticket = Schemas['Ticket']
export type TicketDetail = Schemas['TicketDetail']
export type SessionUser = Schemas['SessionUser']
export type Role = SessionUser['role']

interface Tokens { access: string; refresh: string }

const STORAGE_KEY = 'wz.session'
let tokens: Tokens | null = load()
let refreshing: Promise<boolean> | null = null
let onLoggedOut: (() => void) | null = null

function load(): Tokens | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY)
    return raw ? (JSON.parse(raw) as Tokens) : null
  } catch { return null }
}

export function setTokens(next: Tokens | null): void {
  tokens = next
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next))
  else sessionStorage.removeItem(STORAGE_KEY)
}
export function hasTokens(): boolean { return tokens != null }
export function accessToken(): string | null { return tokens?.access ?? null }
export function refreshToken(): string | null { return tokens?.refresh ?? null }
/** Called when a refresh fails: the session is over (the router sends the user to sign in). */
export function setLoggedOutHandler(fn: () => void): void { onLoggedOut = fn }

export interface ApiErrorBody { code: string; message: string; field?: string }

/** A refusal of the server (or of the network) with a message fit for staff. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    public serverMessage: string,
    public field?: string,
    public retryAfter?: number,
  ) {
    super(describe(code, serverMessage))
  }
}

/** The Chinese text of an error code; the server's own message where we know no better. */
export function describe(code: string, serverMessage: string): string {
  const key = `errors.${code}` as MessageKey
  const s = t(key, { message: serverMessage })
  if (s === key) return serverMessage || code
  return s
}

/** Trades the refresh token for new tokens once, shared by every request that needs it. */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing
  const rt = tokens?.refresh
  if (!rt) return Promise.resolve(false)
  refreshing = (async () => {
    try {
      const r = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: rt }),
      })
      if (!r.ok) {
        // a concurrent tab may have used it; either way this session has ended
        setTokens(null)
        onLoggedOut?.()
        return false
      }
      const s = (await r.json()) as Schemas['Session']
      setTokens({ access: s.access_token, refresh: s.refresh_token })
      return true
    } catch {
      return false
    } finally {
      refreshing = null
    }
  })()
  return refreshing
}

/** fetch with the bearer token and one refresh-and-retry on 401. */
export async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const req = new Request(input, init)
  const retry = req.clone()
  const first = await send(req)
  if (first.status !== 401 || !tokens?.refresh || req.url.includes('/api/v1/auth/')) return first
  if (!(await refreshSession())) return first
  return send(retry)
}

async function send(req: Request): Promise<Response> {
  if (tokens?.access) req.headers.set('Authorization', `Bearer ${tokens.access}`)
  try {
    return await fetch(req)
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e
    throw new ApiError(0, 'network', t('errors.network'))
  }
}

/** Reads the server's error shape from a failed response. */
export async function errorOf(r: Response): Promise<ApiError> {
  let body: ApiErrorBody | undefined
  try {
    const j = (await r.json()) as { error?: ApiErrorBody }
    body = j.error
  } catch { /* not JSON */ }
  const ra = Number(r.headers.get('Retry-After'))
  return new ApiError(r.status, body?.code ?? `http_${r.status}`, body?.message ?? r.statusText, body?.field,
    Number.isFinite(ra) && ra > 0 ? ra : undefined)
}

export const api = createClient<paths>({ baseUrl: '', fetch: (req: Request) => authFetch(req) })

/** Unwraps an openapi-fetch answer: the data, or throws an ApiError. */
export async function ok<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p
  if (response.ok) return data as T
  const e = (error as { error?: ApiErrorBody } | undefined)?.error
  const ra = Number(response.headers.get('Retry-After'))
  throw new ApiError(response.status, e?.code ?? `http_${response.status}`, e?.message ?? response.statusText,
    e?.field, Number.isFinite(ra) && ra > 0 ? ra : undefined)
}

/** A fresh Idempotency-Key for a write (the server returns the first result for a repeat). */
export function idempotencyKey(): string {
  return crypto.randomUUID()
}
