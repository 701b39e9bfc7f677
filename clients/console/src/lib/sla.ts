// SLA lights and "time left / overdue" in working time, on the calendar the server uses
// (GET /api/v1/calendar: working periods of every working day, holidays, make-up working days;
// Asia/Shanghai, which has no daylight saving, so local time is UTC+8). Pure: unit-tested.
import { t } from '@/i18n'

export interface WorkingPeriod { start: string; end: string }
export interface CalendarDay { date: string; kind: 'off' | 'work'; name?: string }
export interface WorkCalendar {
  periods: WorkingPeriod[]
  /** special dates by `YYYY-MM-DD` */
  days: Map<string, 'off' | 'work'>
}

const OFFSET_MS = 8 * 3600_000
const DAY_MS = 86400_000
/** beyond this many days ahead or behind the answer is "many days": the walk stays bounded */
const MAX_DAYS = 800

export const DEFAULT_PERIODS: WorkingPeriod[] = [{ start: '09:00', end: '12:00' }, { start: '13:30', end: '17:30' }]

export function makeCalendar(periods: WorkingPeriod[] | undefined, days: CalendarDay[] | undefined): WorkCalendar {
  const m = new Map<string, 'off' | 'work'>()
  for (const d of days ?? []) m.set(d.date, d.kind)
  return { periods: periods && periods.length ? periods : DEFAULT_PERIODS, days: m }
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return h * 60 + m
}

/** `YYYY-MM-DD` of a local (Beijing) day number (days since the epoch in local time). */
export function localDate(dayNo: number): string {
  return new Date(dayNo * DAY_MS).toISOString().slice(0, 10)
}

export function isWorkingDay(cal: WorkCalendar, dayNo: number): boolean {
  const special = cal.days.get(localDate(dayNo))
  if (special) return special === 'work'
  const wd = new Date(dayNo * DAY_MS).getUTCDay() // 0 Sunday
  return wd >= 1 && wd <= 5
}

/** Working minutes in one working day. */
export function dayMinutes(cal: WorkCalendar): number {
  return cal.periods.reduce((s, p) => s + minutesOf(p.end) - minutesOf(p.start), 0)
}

/** Working minutes between two instants (0 when `to` is not after `from`). */
export function workingMinutes(cal: WorkCalendar, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0
  const a = fromMs + OFFSET_MS
  const b = toMs + OFFSET_MS
  const firstDay = Math.floor(a / DAY_MS)
  const lastDay = Math.min(Math.floor(b / DAY_MS), firstDay + MAX_DAYS)
  let total = 0
  for (let d = firstDay; d <= lastDay; d++) {
    if (!isWorkingDay(cal, d)) continue
    const base = d * DAY_MS
    for (const p of cal.periods) {
      const s = Math.max(a, base + minutesOf(p.start) * 60_000)
      const e = Math.min(b, base + minutesOf(p.end) * 60_000)
      if (e > s) total += (e - s) / 60_000
    }
  }
  return Math.floor(total)
}

/** "3个工作日2小时", "5小时20分", "40分钟" for a number of working minutes. */
export function formatWorking(minutes: number, perDay: number): string {
  const m = Math.max(0, Math.round(minutes))
  if (m < 60) return t('sla.minutes', { n: m })
  if (perDay > 0 && m >= perDay) {
    const d = Math.floor(m / perDay)
    const h = Math.floor((m - d * perDay) / 60)
    return h > 0 ? t('sla.daysHours', { d, h }) : t('sla.days', { n: d })
  }
  const h = Math.floor(m / 60)
  const mm = m % 60
  return mm > 0 ? t('sla.hoursMinutes', { h, m: mm }) : t('sla.hours', { n: h })
}

export type DueKind = 'dispatch' | 'sign' | 'reply'
export interface TicketClock {
  status: string
  dispatch_due_at: string | null
  sign_due_at: string | null
  reply_due_at: string | null
  paused_at?: string | null
}

/** The deadline of the clock that runs in this status (as the server's light follows it). */
export function runningDue(tk: TicketClock): { kind: DueKind; at: string } | null {
  switch (tk.status) {
    case 'new': return tk.dispatch_due_at ? { kind: 'dispatch', at: tk.dispatch_due_at } : null
    case 'dispatched':
      if (tk.sign_due_at) return { kind: 'sign', at: tk.sign_due_at }
      return tk.reply_due_at ? { kind: 'reply', at: tk.reply_due_at } : null
    case 'accepted': return tk.reply_due_at ? { kind: 'reply', at: tk.reply_due_at } : null
    default: return null
  }
}

export interface SlaView { text: string; overdue: boolean; kind: DueKind | null; paused: boolean }

/** What the SLA cell says now: "签收 剩余 1小时20分" or "答复 超期 2个工作日". */
export function slaText(tk: TicketClock, cal: WorkCalendar, nowMs: number): SlaView {
  if (tk.status === 'waiting_citizen') return { text: t('sla.paused'), overdue: false, kind: 'reply', paused: true }
  const due = runningDue(tk)
  if (!due) return { text: t('sla.none'), overdue: false, kind: null, paused: false }
  const dueMs = Date.parse(due.at)
  const perDay = dayMinutes(cal)
  const label = t(`sla.dueKind.${due.kind}` as const)
  if (dueMs >= nowMs) {
    const d = formatWorking(workingMinutes(cal, nowMs, dueMs), perDay)
    return { text: `${label} ${t('sla.left', { d })}`, overdue: false, kind: due.kind, paused: false }
  }
  const d = formatWorking(workingMinutes(cal, dueMs, nowMs), perDay)
  return { text: `${label} ${t('sla.overdue', { d })}`, overdue: true, kind: due.kind, paused: false }
}

/** Beijing-time display of an RFC 3339 instant: `2026-12-05 15:04`. */
export function fmtTime(s: string | null | undefined): string {
  if (!s) return '—'
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) return s
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}

/** Today's date in Beijing, `YYYY-MM-DD`. */
export function todayLocal(nowMs = Date.now()): string {
  return new Date(nowMs + OFFSET_MS).toISOString().slice(0, 10)
}
