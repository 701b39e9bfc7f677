import { describe, expect, it } from 'vitest'
import { formatRate, presetPeriod, dispositionFilename, progressText } from './format'

describe('dashboard formatting', () => {
  it('rates', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(0)).toBe('0.0%')
    expect(formatRate(2 / 3)).toBe('66.7%')
    expect(formatRate(1)).toBe('100.0%')
  })
  it('periods', () => {
    expect(presetPeriod('thisMonth', '2026-12-05')).toEqual({ from: '2026-12-01', to: '2027-01-01' })
    expect(presetPeriod('lastMonth', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2026-01-01' })
    expect(presetPeriod('last30', '2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-02' })
    expect(presetPeriod('thisYear', '2026-12-05')).toEqual({ from: '2026-01-01', to: '2027-01-01' })
  })
  it('file names', () => {
    expect(dispositionFilename(`attachment; filename="stats.xlsx"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.xlsx`, 'x')).toBe('统计.xlsx')
    expect(dispositionFilename('attachment; filename="stats.csv"', 'x')).toBe('stats.csv')
    expect(dispositionFilename(null, 'fallback.csv')).toBe('fallback.csv')
  })
  it('progress', () => {
    expect(progressText(50, 200)).toBe('25%')
    expect(progressText(2048, null)).toBe('2 KB')
  })
})
