import { describe, expect, it } from 'vitest'
import { allowedActions, canSetPublication, pagesFor } from './permissions'

const facts = (status: string, extra = {}) => ({ status, unit_id: '4', pendingReply: false, pendingExtension: false, ...extra })
const list = (role: string, status: string, extra = {}, unit = '4') => [...allowedActions({ role, unit_id: unit }, facts(status, extra))].sort()

describe('actions by role and status (docs/lifecycle.md)', () => {
  it('dispatcher', () => {
    expect(list('dispatcher', 'new', {}, '1')).toEqual(['close', 'dispatch', 'merge', 'reveal'])
    expect(list('dispatcher', 'accepted', {}, '1')).toEqual(['merge', 'reveal', 'transfer'])
  })
  it('staff of the unit, and of another unit', () => {
    expect(list('staff', 'dispatched')).toEqual(['extension', 'return', 'reveal', 'sign', 'transfer'])
    expect(list('staff', 'accepted')).toEqual(['extension', 'reply', 'requestInfo', 'return', 'reveal', 'transfer'])
    expect(list('staff', 'accepted', { pendingReply: true, pendingExtension: true })).toEqual(['requestInfo', 'return', 'reveal', 'transfer'])
    expect(list('staff', 'accepted', { inReturnWindow: false })).not.toContain('return')
    expect(list('staff', 'dispatched', {}, '9')).toEqual(['reveal'])
  })
  it('reviewer', () => {
    expect(list('reviewer', 'accepted', { pendingReply: true })).toEqual(['reveal', 'review'])
    expect(list('reviewer', 'accepted')).toEqual(['reveal'])
  })
  it('supervisor', () => {
    expect(list('supervisor', 'accepted', { pendingExtension: true }, '1'))
      .toEqual(['extensionDecision', 'merge', 'return', 'reveal', 'supervise', 'transfer'])
    expect(list('supervisor', 'closed', {}, '1')).toEqual(['reveal'])
  })
  it('evaluator: nothing, not even reveal', () => {
    for (const s of ['new', 'dispatched', 'accepted', 'waiting_citizen', 'replied', 'closed']) expect(list('evaluator', s)).toEqual([])
  })
  it('pages', () => {
    expect([...pagesFor('staff')].sort()).toEqual(['accounts', 'queue'])
    expect([...pagesFor('evaluator')].sort()).toEqual(['accounts', 'dashboard', 'queue'])
    expect([...pagesFor('admin')].sort()).toEqual(['accounts', 'admin', 'dashboard', 'queue'])
    expect([...pagesFor('citizen')]).toEqual([])
  })
})

describe('withholding from the public board (docs/lifecycle.md, "Photos and the public board")', () => {
  const tk = (publish: boolean, unit_id: string | null = '4') => ({ unit_id, publish })
  it('staff and reviewers of the unit, dispatchers, supervisors, admins', () => {
    for (const role of ['staff', 'reviewer']) {
      expect(canSetPublication({ role, unit_id: '4' }, tk(true))).toBe(true)
      expect(canSetPublication({ role, unit_id: '9' }, tk(true))).toBe(false)
      expect(canSetPublication({ role, unit_id: '4' }, tk(true, null))).toBe(false)
    }
    for (const role of ['dispatcher', 'supervisor', 'admin']) expect(canSetPublication({ role, unit_id: '1' }, tk(true))).toBe(true)
  })
  it('never evaluators, and nothing to withhold without the citizen\'s consent', () => {
    expect(canSetPublication({ role: 'evaluator', unit_id: '4' }, tk(true))).toBe(false)
    expect(canSetPublication({ role: 'admin', unit_id: null }, tk(false))).toBe(false)
    expect(canSetPublication({ role: 'staff', unit_id: '4' }, tk(false))).toBe(false)
  })
})
