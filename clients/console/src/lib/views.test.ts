import { describe, expect, it } from 'vitest'
import { normalizeQuery, parseSavedViews, serializeSavedViews, upsertView, presetViews, sameQuery } from './views'

describe('queue queries', () => {
  it('keeps known, well-formed parameters only', () => {
    expect(normalizeQuery({ status: 'new,dispatched', sla_light: 'red', evil: 'x', unit_id: '12a', sort: 'received', q: '  ' }))
      .toEqual({ status: 'new,dispatched', sla_light: 'red' })
    expect(normalizeQuery({ status: 'new,bogus' })).toEqual({})
    expect(normalizeQuery({ q: ['水管', 'x'], sort: 'due' })).toEqual({ q: '水管', sort: 'due' })
  })
  it('takes a dashboard drill-down as it is', () => {
    const dd = { received_from: '2026-12-01T00:00:00+08:00', received_to: '2027-01-01T00:00:00+08:00', merged: 'false',
      unit_id: '4', include_descendants: 'true', figure: 'replied', account_id: 'none' }
    expect(normalizeQuery(dd)).toEqual(dd)
  })
  it('compares regardless of key order', () => {
    expect(sameQuery({ status: 'new', sort: 'due' }, { sort: 'due', status: 'new' })).toBe(true)
    expect(sameQuery({ status: 'new' }, { status: 'new', sort: 'due' })).toBe(false)
  })
})

describe('saved views', () => {
  it('round-trip through storage, presets left out', () => {
    let v = upsertView([], { name: '我的红灯', query: { sla_light: 'red' } })
    v = upsertView(v, { name: '我的红灯', query: { sla_light: 'yellow' } })
    const stored = serializeSavedViews([...v, { name: 'p', query: {}, preset: true }])
    expect(parseSavedViews(stored)).toEqual([{ name: '我的红灯', query: { sla_light: 'yellow' } }])
  })
  it('survive garbage', () => {
    expect(parseSavedViews('not json')).toEqual([])
    expect(parseSavedViews('{"a":1}')).toEqual([])
    expect(parseSavedViews('[1,{"name":""},{"name":"x","query":{"status":"nope","type":"help"}}]'))
      .toEqual([{ name: 'x', query: { type: 'help' } }])
  })
  it('presets depend on the role', () => {
    const staff = presetViews('staff', '4').map((v) => v.name)
    expect(staff).toContain('本单位待签收')
    expect(staff).not.toContain('待派发')
    expect(presetViews('staff', '4')[0].query).toMatchObject({ status: 'dispatched', unit_id: '4' })
    expect(presetViews('dispatcher', '1').map((v) => v.name)).toContain('待派发')
    expect(presetViews('evaluator', '1').map((v) => v.name)).toEqual(['已超期', '即将到期', '督办件'])
  })
})
