const { stubWx, loadPage, ticket, session, text } = require('../helpers')

const login = { 'POST /api/v1/auth/miniprogram': { status: 200, data: session } }
const events = [
  { id: '1', action: 'receive', created_at: '2026-11-23T02:05:00Z' },
  { id: '2', action: 'dispatch', created_at: '2026-11-23T02:05:01Z' },
  { id: '3', action: 'sign', created_at: '2026-11-23T03:00:00Z' },
  { id: '4', action: 'reply', created_at: '2026-11-24T02:00:00Z' },
]
const replied = ticket({
  status: 'replied', events, messages: [], ratings: [], rating: null, publish: true,
  publication: { state: 'published', reason: null },
  attachments: [{ id: '17', content_type: 'image/jpeg', size: 1000 }],
  replies: [{ id: '9', content: '已安排维修，本周内修好。', published_at: '2026-11-24T02:00:00Z', created_at: '2026-11-24T02:00:00Z' }],
})

test('shows the reply, the timeline, the photo (with the token) and the rating form; rating closes it', async () => {
  let rated = false
  const calls = stubWx(Object.assign({
    'GET /api/v1/tickets/101': () => ({ status: 200, data: rated
      ? Object.assign({}, replied, { status: 'closed', rating: { satisfaction: 'basically_satisfied', resolved: true, comment: '还行' } })
      : replied }),
    'POST /api/v1/tickets/101/rating': () => { rated = true; return { status: 201, data: { ticket: {}, rating: {} } } },
    DOWNLOAD: { status: 200, tempFilePath: 'wxfile://tmp/17.jpg' },
  }, login))
  wx.showToast = () => {}
  const page = loadPage('detail')
  await page.instance.onLoad({ id: '101' })
  expect(text(page, '#status')).toBe('已答复')
  expect(text(page, '#replies')).toContain('已安排维修，本周内修好。')
  expect(text(page, '#timeline')).toContain('留言已受理')
  expect(text(page, '#timeline')).toContain('部门已答复')
  expect(text(page, '#publication')).toBe('已公开')
  expect(text(page, '#contact')).toBe('138****5678')
  const dl = calls.find((c) => c.key === 'DOWNLOAD')
  expect(dl.url).toBe('http://wz.test/api/v1/uploads/17')
  expect(dl.header.Authorization).toBe('Bearer a.b.c')
  expect(page.data.images[0].path).toBe('wxfile://tmp/17.jpg')
  expect(page.querySelector('#rate-form')).toBeTruthy()
  expect(page.querySelector('#follow-up')).toBeFalsy()

  await page.instance.rate()
  expect(text(page, '#rate-error')).toBe('请选择满意程度')
  page.instance.onSatisfaction({ currentTarget: { dataset: { value: 'basically_satisfied' } } })
  page.instance.onResolved({ currentTarget: { dataset: { value: 'yes' } } })
  page.instance.onComment({ detail: { value: ' 还行 ' } })
  await page.instance.rate()
  expect(calls.find((c) => c.key === 'POST /api/v1/tickets/101/rating').body)
    .toEqual({ resolved: true, satisfaction: 'basically_satisfied', comment: '还行' })
  expect(text(page, '#status')).toBe('已办结')
  expect(page.querySelector('#rate-form')).toBeFalsy()
  expect(text(page, '#rated')).toContain('基本满意 · 已解决')
})

test('waiting for the citizen: the unit\'s question is shown and a follow-up is sent', async () => {
  const waiting = ticket({ status: 'waiting_citizen', events, ratings: [], rating: null, replies: [],
    messages: [{ id: '5', author: 'unit', kind: 'request_info', content: '请提供具体楼栋号', created_at: '2026-11-24T02:00:00Z' }] })
  const calls = stubWx(Object.assign({
    'GET /api/v1/tickets/101': { status: 200, data: waiting },
    'POST /api/v1/tickets/101/follow-ups': { status: 201, data: { ticket: {}, message: {} } },
  }, login))
  wx.showToast = () => {}
  const page = loadPage('detail')
  await page.instance.onLoad({ id: '101' })
  expect(text(page, '#status')).toBe('待您补充')
  expect(text(page, '#replies')).toContain('部门请您补充：请提供具体楼栋号')
  expect(text(page, '#no-reply')).toContain('部门正在办理')
  expect(page.querySelector('#rate-form')).toBeFalsy()
  await page.instance.sendFollowUp()
  expect(text(page, '#follow-error')).toBe('请填写补充内容')
  page.instance.onFollowUp({ detail: { value: '3号楼2单元' } })
  await page.instance.sendFollowUp()
  expect(calls.find((c) => c.key === 'POST /api/v1/tickets/101/follow-ups').body).toEqual({ content: '3号楼2单元' })
})

test('a rating refused by the server says why; a ticket that is gone offers retry and back', async () => {
  stubWx(Object.assign({
    'GET /api/v1/tickets/101': { status: 200, data: replied },
    'POST /api/v1/tickets/101/rating': { status: 409, data: { error: { code: 'invalid_transition', message: 'closed' } } },
    DOWNLOAD: { status: 404, data: '' },
  }, login))
  const page = loadPage('detail')
  await page.instance.onLoad({ id: '101' })
  expect(page.data.images[0].failed).toBe(true)
  page.instance.onSatisfaction({ currentTarget: { dataset: { value: 'unsatisfied' } } })
  page.instance.onResolved({ currentTarget: { dataset: { value: 'no' } } })
  await page.instance.rate()
  expect(text(page, '#rate-error')).toContain('当前状态不能进行此操作')

  stubWx(Object.assign({ 'GET /api/v1/tickets/555': { status: 404, data: { error: { code: 'not_found', message: 'no' } } } }, login))
  const gone = loadPage('detail')
  await gone.instance.onLoad({ id: '555' })
  expect(text(gone, '#load-error')).toContain('没有找到相关内容')
})
