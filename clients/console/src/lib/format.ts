// Number and period formatting for the dashboard. Pure: unit-tested.

/** An exact rate from the API (0..1) as a percentage with one decimal; null is "—". */
export function formatRate(x: number | null | undefined): string {
  if (x == null || Number.isNaN(x)) return '—'
  return `${(Math.round(x * 1000) / 10).toFixed(1)}%`
}

export function formatHours(x: number | null | undefined): string {
  if (x == null || Number.isNaN(x)) return '—'
  return (Math.round(x * 10) / 10).toFixed(1)
}

function ymd(y: number, m: number, d: number): string {
  const dt = new Date(Date.UTC(y, m, d))
  return dt.toISOString().slice(0, 10)
}

export type PeriodPreset = 'thisMonth' | 'lastMonth' | 'last30' | 'thisYear'

/** `[from, to)` as the stats API takes them (Beijing dates, `to` exclusive) for a preset. */
export function presetPeriod(p: PeriodPreset, today: string): { from: string; to: string } {
  const [y, m, d] = today.split('-').map(Number)
  switch (p) {
    case 'thisMonth': return { from: ymd(y, m - 1, 1), to: ymd(y, m, 1) }
    case 'lastMonth': return { from: ymd(y, m - 2, 1), to: ymd(y, m - 1, 1) }
    case 'last30': return { from: ymd(y, m - 1, d - 29), to: ymd(y, m - 1, d + 1) }
    case 'thisYear': return { from: ymd(y, 0, 1), to: ymd(y + 1, 0, 1) }
  }
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*` UTF-8 first). */
export function dispositionFilename(h: string | null, fallback: string): string {
  if (!h) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(h)
  if (star) {
    try { return decodeURIComponent(star[1].trim().replace(/^"|"$/g, '')) } catch { /* fall through */ }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(h)
  const name = plain ? (plain[1] ?? plain[2] ?? '').trim() : ''
  return name || fallback
}

/** "45%" of a download, or the bytes so far when the size is unknown. */
export function progressText(read: number, total: number | null): string {
  if (total && total > 0) return `${Math.min(100, Math.floor((read * 100) / total))}%`
  if (read < 1024) return `${read} B`
  if (read < 1024 * 1024) return `${(read / 1024).toFixed(0)} KB`
  return `${(read / 1024 / 1024).toFixed(1)} MB`
}
