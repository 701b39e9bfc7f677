const { stubWx, loadPage, ticket, session, text } = require('../helpers')

const login = { 'POST /api/v1/auth/miniprogram': { status: 200, data: session } }

test('lists my questions with the status and the promised reply date, replied ones asking for a rating', async () => {
  const calls = stubWx(Object.assign({
    'GET /api/v1/tickets': (req) => (req.url.includes('cursor=')
      ? { status: 200, data: { items: [ticket({ id: '99', title: '更早的留言', status: 'closed' })], next_cursor: null } }
      : { status: 200, data: { items: [ticket(), ticket({ id: '102', title: '噪音扰民', status: 'replied' })], next_cursor: 'C1' } }),
  }, login))
  const page = loadPage('mine')
  await page.instance.onShow()
  const first = text(page, '#ticket-101')
  expect(first).toContain('已转交部门')
  expect(first).toContain('路灯不亮')
  expect(first).toContain('承诺答复：2026年12月7日')
  expect(text(page, '#ticket-102')).toContain('待评价')
  await page.instance.loadMore()
  expect(calls.filter((c) => c.key === 'GET /api/v1/tickets')[1].url).toContain('cursor=C1')
  expect(text(page, '#ticket-99')).toContain('已办结')
  expect(page.querySelector('#no-more')).toBeTruthy()
  page.instance.open({ currentTarget: { dataset: { id: '102' } } })
  expect(calls.find((c) => c.key === 'wx.navigateTo').url).toBe('/pages/detail/index?id=102')
})

test('empty: says so and leads to the question form', async () => {
  const calls = stubWx(Object.assign({ 'GET /api/v1/tickets': { status: 200, data: { items: [], next_cursor: null } } }, login))
  const page = loadPage('mine')
  await page.instance.onShow()
  expect(text(page, '#empty')).toContain('您还没有留言')
  page.instance.goAsk()
  expect(calls.find((c) => c.key === 'wx.switchTab').url).toBe('/pages/ask/index')
})

test('an expired session is refreshed silently; a server error offers a retry', async () => {
  let n = 0
  const calls = stubWx(Object.assign({
    'POST /api/v1/auth/refresh': { status: 200, data: Object.assign({}, session, { access_token: 'new.token.x' }) },
    'GET /api/v1/tickets': (req) => {
      n++
      if (n === 1) return { status: 401, data: { error: { code: 'unauthenticated', message: 'expired' } } }
      if (n === 2) return { status: 200, data: { items: [ticket()], next_cursor: null } }
      return { status: 503, data: { error: { code: 'unavailable', message: 'db' } } }
    },
  }, login))
  const page = loadPage('mine')
  await page.instance.onShow()
  const lists = calls.filter((c) => c.key === 'GET /api/v1/tickets')
  expect(lists[1].header.Authorization).toBe('Bearer new.token.x')
  expect(text(page, '#ticket-101')).toContain('路灯不亮')
  await page.instance.refresh()
  expect(text(page, '#load-error')).toContain('系统繁忙')
  expect(page.querySelector('#retry')).toBeTruthy()
})
