import { describe, expect, it } from 'vitest'
import { makeCalendar, workingMinutes, formatWorking, slaText, runningDue, fmtTime, dayMinutes } from './sla'

// 2026: Spring Festival off 02-15..02-23, make-up working Saturdays 02-14 and 02-28
const cal = makeCalendar(undefined, [
  ...Array.from({ length: 9 }, (_, i) => ({ date: `2026-02-${String(15 + i).padStart(2, '0')}`, kind: 'off' as const })),
  { date: '2026-02-14', kind: 'work' }, { date: '2026-02-28', kind: 'work' },
])
const bj = (s: string) => Date.parse(`${s}+08:00`)

describe('working time', () => {
  it('counts the working periods of one day', () => {
    expect(dayMinutes(cal)).toBe(420)
    expect(workingMinutes(cal, bj('2026-12-07T08:00:00'), bj('2026-12-07T20:00:00'))).toBe(420)
    expect(workingMinutes(cal, bj('2026-12-07T11:00:00'), bj('2026-12-07T14:00:00'))).toBe(90)
  })
  it('skips weekends and holidays, counts make-up working days', () => {
    // Friday 17:00 to Monday 10:00: 30 min + 60 min
    expect(workingMinutes(cal, bj('2026-12-04T17:00:00'), bj('2026-12-07T10:00:00'))).toBe(90)
    // the Saturday 2026-02-14 is a working day, the holiday week is not
    expect(workingMinutes(cal, bj('2026-02-14T00:00:00'), bj('2026-02-24T00:00:00'))).toBe(420)
  })
  it('is zero backwards', () => {
    expect(workingMinutes(cal, bj('2026-12-07T10:00:00'), bj('2026-12-07T09:00:00'))).toBe(0)
  })
  it('formats minutes, hours and working days', () => {
    expect(formatWorking(40, 420)).toBe('40分钟')
    expect(formatWorking(120, 420)).toBe('2小时')
    expect(formatWorking(150, 420)).toBe('2小时30分')
    expect(formatWorking(420, 420)).toBe('1个工作日')
    expect(formatWorking(420 * 3 + 125, 420)).toBe('3个工作日2小时')
  })
})

describe('the SLA cell', () => {
  const base = { dispatch_due_at: null, sign_due_at: null, reply_due_at: null }
  it('follows the clock of the status', () => {
    expect(runningDue({ ...base, status: 'new', dispatch_due_at: 'x' })?.kind).toBe('dispatch')
    expect(runningDue({ ...base, status: 'dispatched', sign_due_at: 's', reply_due_at: 'r' })?.kind).toBe('sign')
    expect(runningDue({ ...base, status: 'accepted', reply_due_at: 'r' })?.kind).toBe('reply')
    expect(runningDue({ ...base, status: 'replied', reply_due_at: 'r' })).toBeNull()
  })
  it('says time left and overdue in working time', () => {
    const tk = { ...base, status: 'accepted', reply_due_at: '2026-12-07T10:00:00+08:00' }
    const left = slaText(tk, cal, bj('2026-12-04T17:00:00'))
    expect(left).toMatchObject({ text: '答复 剩余 1小时30分', overdue: false })
    const late = slaText(tk, cal, bj('2026-12-08T10:00:00'))
    expect(late).toMatchObject({ text: '答复 超期 1个工作日', overdue: true })
  })
  it('shows a paused clock while waiting for the citizen', () => {
    expect(slaText({ ...base, status: 'waiting_citizen' }, cal, 0).paused).toBe(true)
  })
  it('displays times in Beijing', () => {
    expect(fmtTime('2026-12-05T07:39:00Z')).toBe('2026-12-05 15:39')
    expect(fmtTime(null)).toBe('—')
  })
})
