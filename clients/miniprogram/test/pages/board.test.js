const { stubWx, loadPage, text } = require('../helpers')

const item = (id, over = {}) => Object.assign({ id, title: '公积金怎么提取', content: '请问公积金提取需要什么材料？',
  type: 'consultation', unit_id: '3', unit_name: '示范市住房和城乡建设局', received_at: '2026-11-20T02:00:00Z',
  replied_at: '2026-11-21T02:00:00Z', reply: '可通过示范公积金小程序线上办理。' }, over)

test('browses without signing in, searches by text, filters by type, expands a reply, pages on', async () => {
  const calls = stubWx({
    'GET /api/v1/public/replies': (req) => {
      if (req.url.includes('cursor=N1')) return { status: 200, data: { items: [item('3', { title: '第二页' })], next_cursor: null } }
      return { status: 200, data: { items: [item('1'), item('2', { title: '投诉噪音', type: 'complaint' })], next_cursor: 'N1' } }
    },
  })
  const page = loadPage('board')
  await page.instance.onLoad()
  const list = calls.filter((c) => c.key === 'GET /api/v1/public/replies')
  expect(list[0].header.Authorization).toBeUndefined()
  expect(text(page, '#item-1')).toContain('公积金怎么提取')
  expect(text(page, '#item-1')).toContain('示范市住房和城乡建设局 · 咨询 · 2026年11月21日')
  expect(text(page, '#item-1')).not.toContain('可通过示范公积金小程序线上办理。')
  page.instance.toggle({ currentTarget: { dataset: { index: 0 } } })
  expect(text(page, '#item-1')).toContain('可通过示范公积金小程序线上办理。')

  page.instance.onQuery({ detail: { value: '公积金' } })
  await page.instance.search()
  await page.instance.onType({ detail: { value: '3' } })
  const last = calls.filter((c) => c.key === 'GET /api/v1/public/replies').pop()
  expect(last.url).toContain('q=' + encodeURIComponent('公积金'))
  expect(last.url).toContain('type=complaint')
  await page.instance.loadMore()
  expect(text(page, '#item-3')).toContain('第二页')
})

test('nothing found, and the rate limit said in Chinese with a retry', async () => {
  let n = 0
  stubWx({
    'GET /api/v1/public/replies': () => (++n === 1
      ? { status: 200, data: { items: [], next_cursor: null } }
      : { status: 429, header: { 'Retry-After': '30' }, data: { error: { code: 'rate_limited', message: 'slow down' } } }),
  })
  const page = loadPage('board')
  await page.instance.onLoad()
  expect(text(page, '#empty')).toContain('没有找到相关的公开答复')
  await page.instance.search()
  expect(text(page, '#load-error')).toContain('请 30 秒后再试')
  expect(page.querySelector('#retry')).toBeTruthy()
})

test('a visitor filters by department from the public unit list', async () => {
  const calls = stubWx({
    'GET /api/v1/public/units': { status: 200, data: { items: [{ id: '1', parent_id: null, name: '示范市人民政府' },
      { id: '3', parent_id: '1', name: '示范市住房和城乡建设局' }] } },
    'GET /api/v1/public/replies': { status: 200, data: { items: [item('1')], next_cursor: null } },
  })
  const page = loadPage('board')
  await page.instance.onLoad()
  const units = calls.find((c) => c.key === 'GET /api/v1/public/units')
  expect(units.header.Authorization).toBeUndefined()
  expect(page.instance.data.unitNames).toEqual(['全部部门', '示范市人民政府', '示范市住房和城乡建设局'])
  page.instance.setData({ unitIndex: 2 })
  await page.instance.search()
  expect(calls.filter((c) => c.key === 'GET /api/v1/public/replies').pop().url).toContain('unit_id=3')
})
