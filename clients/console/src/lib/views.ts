// The queue's filters as one flat query (the names of GET /api/v1/tickets' parameters), so the
// same object is the URL (views are linkable), the API call, a saved view and a dashboard
// drill-down. Pure: unit-tested.
import { t } from '@/i18n'

/** The GET /api/v1/tickets parameters the queue understands, besides limit and cursor. */
export const FILTER_KEYS = [
  'status', 'type', 'channel', 'account_id', 'unit_id', 'include_descendants', 'unassigned',
  'sla_light', 'supervised', 'q', 'category_id', 'received_from', 'received_to', 'merged', 'figure', 'sort',
] as const
export type FilterKey = (typeof FILTER_KEYS)[number]
export type QueueQuery = Partial<Record<FilterKey, string>>

const ALLOWED: Partial<Record<FilterKey, RegExp>> = {
  status: /^(new|dispatched|accepted|waiting_citizen|replied|closed)(,(new|dispatched|accepted|waiting_citizen|replied|closed))*$/,
  type: /^(consultation|help|complaint|suggestion|report|praise)$/,
  channel: /^(wechat_oa|weibo|douyin|toutiao|miniprogram|app|web|hotline_12345|other)$/,
  account_id: /^([0-9]{1,18}|none)$/,
  category_id: /^([0-9]{1,18}|none)$/,
  unit_id: /^[0-9]{1,18}$/,
  include_descendants: /^(true|false)$/,
  unassigned: /^(true|false)$/,
  sla_light: /^(green|yellow|red)$/,
  supervised: /^(true|false)$/,
  merged: /^(true|false)$/,
  sort: /^(received|due)$/,
  figure: /^[a-z_]{1,32}$/,
  received_from: /^[0-9T:+\-Z.]{10,40}$/,
  received_to: /^[0-9T:+\-Z.]{10,40}$/,
}

/** Keeps the known, well-formed parameters of a route query (anything else is dropped). */
export function normalizeQuery(raw: Record<string, unknown>): QueueQuery {
  const out: QueueQuery = {}
  for (const k of FILTER_KEYS) {
    let v = raw[k]
    if (Array.isArray(v)) v = v[0]
    if (typeof v !== 'string' || v === '') continue
    if (k === 'q') {
      const q = v.slice(0, 100)
      if (q.trim()) out.q = q
      continue
    }
    const re = ALLOWED[k]
    if (re && !re.test(v)) continue
    out[k] = v
  }
  if (out.sort === 'received') delete out.sort // the default
  return out
}

/** Two queries select the same tickets (order of keys aside). */
export function sameQuery(a: QueueQuery, b: QueueQuery): boolean {
  const ka = Object.keys(a).sort()
  const kb = Object.keys(b).sort()
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k as FilterKey] === b[k as FilterKey])
}

export interface SavedView { name: string; query: QueueQuery; preset?: boolean }

/** The built-in views for a role (and its unit). */
export function presetViews(role: string, unitId: string | null | undefined): SavedView[] {
  const v: SavedView[] = []
  const open = 'new,dispatched,accepted,waiting_citizen'
  if (role === 'staff' || role === 'admin' || role === 'reviewer' || role === 'supervisor' || role === 'dispatcher') {
    const q: QueueQuery = { status: 'dispatched', sort: 'due' }
    if (unitId && role !== 'admin') q.unit_id = unitId
    v.push({ name: t('queue.preset.unitToSign'), query: q, preset: true })
  }
  if (role === 'staff' || role === 'reviewer' || role === 'admin') {
    v.push({ name: t('queue.preset.working'), query: { status: 'accepted', sort: 'due' }, preset: true })
  }
  if (role === 'dispatcher' || role === 'admin' || role === 'supervisor') {
    v.push({ name: t('queue.preset.toDispatch'), query: { status: 'new', unassigned: 'true', sort: 'due' }, preset: true })
  }
  v.push({ name: t('queue.preset.overdue'), query: { status: open, sla_light: 'red', sort: 'due' }, preset: true })
  v.push({ name: t('queue.preset.dueSoon'), query: { status: open, sla_light: 'yellow', sort: 'due' }, preset: true })
  v.push({ name: t('queue.preset.supervised'), query: { supervised: 'true', status: open, sort: 'due' }, preset: true })
  return v
}

const MAX_SAVED = 30

/** Reads saved views from their stored JSON; anything malformed is dropped, never thrown. */
export function parseSavedViews(raw: string | null): SavedView[] {
  if (!raw) return []
  let data: unknown
  try { data = JSON.parse(raw) } catch { return [] }
  if (!Array.isArray(data)) return []
  const out: SavedView[] = []
  for (const item of data) {
    if (!item || typeof item !== 'object') continue
    const { name, query } = item as { name?: unknown; query?: unknown }
    if (typeof name !== 'string' || !name.trim() || !query || typeof query !== 'object') continue
    out.push({ name: name.trim().slice(0, 40), query: normalizeQuery(query as Record<string, unknown>) })
    if (out.length >= MAX_SAVED) break
  }
  return out
}

export function serializeSavedViews(views: SavedView[]): string {
  return JSON.stringify(views.filter((v) => !v.preset).slice(0, MAX_SAVED).map((v) => ({ name: v.name, query: v.query })))
}

/** Adds or replaces (by name) a view. */
export function upsertView(views: SavedView[], view: SavedView): SavedView[] {
  const rest = views.filter((v) => v.name !== view.name)
  return [...rest, { name: view.name, query: normalizeQuery(view.query as Record<string, unknown>) }]
}
