const { stubWx, loadPage, settle, ticket, session, text } = require('../helpers')

const units = { status: 200, data: { items: [
  { id: '1', name: '示范市人民政府', accepts_direct: false },
  { id: '3', name: '示范市住房和城乡建设局', accepts_direct: true },
] } }
const categories = { status: 200, data: { items: [{ id: '1', parent_id: null, name: '城乡建设' }, { id: '3', parent_id: '1', name: '物业管理' }] } }
const config = { status: 200, data: { miniprogram: { reply_template_id: 'TPL1' }, uploads: { max_bytes: 5242880, types: ['image/jpeg'] } } }

function routes(extra = {}) {
  return Object.assign({
    'POST /api/v1/auth/miniprogram': { status: 200, data: session },
    'GET /api/v1/units': units,
    'GET /api/v1/categories': categories,
    'GET /api/v1/public/config': config,
  }, extra)
}

test('signs in with wx.login and shows the form with the departments that take questions', async () => {
  const calls = stubWx(routes())
  const page = loadPage('ask')
  expect(page.querySelector('#loading')).toBeTruthy()
  await page.instance.onLoad()
  const login = calls.find((c) => c.key === 'POST /api/v1/auth/miniprogram')
  expect(login.body).toEqual({ code: 'code-from-wx-login' })
  const units = calls.find((c) => c.key === 'GET /api/v1/units')
  expect(units.header.Authorization).toBe('Bearer a.b.c')
  expect(page.data.unitNames).toEqual(['不确定（由系统分派）', '示范市住房和城乡建设局'])
  expect(page.data.categoryNames).toEqual(['不确定', '城乡建设', '　物业管理'])
  expect(text(page, '#types')).toBe('咨询求助投诉建议举报表扬')
  expect(page.dom.textContent).toContain('我已阅读并同意')
})

test('a failed load shows the error with a retry that works', async () => {
  let fail = true
  stubWx(routes({ 'GET /api/v1/units': () => (fail ? { fail: 'request:fail timeout' } : units.status && units) }))
  const page = loadPage('ask')
  await page.instance.onLoad()
  await settle()
  expect(text(page, '#load-error')).toContain('请求超时')
  fail = false
  await page.instance.init()
  expect(page.data.state).toBe('form')
  expect(page.querySelector('#load-error')).toBeFalsy()
})

test('the form says what is missing before anything is sent', async () => {
  const calls = stubWx(routes())
  const page = loadPage('ask')
  await page.instance.onLoad()
  await page.instance.submit()
  expect(text(page, '#form-error')).toBe('请填写留言内容')
  page.instance.onContent({ detail: { value: '楼道灯坏了' } })
  page.instance.onPhone({ detail: { value: '12ab' } })
  await page.instance.submit()
  expect(text(page, '#form-error')).toBe('请填写正确的联系电话')
  page.instance.onPhone({ detail: { value: '13812345678' } })
  await page.instance.submit()
  expect(text(page, '#form-error')).toBe('请先勾选同意个人信息使用说明')
  expect(calls.some((c) => c.key === 'POST /api/v1/messages')).toBe(false)
})

test('submits everything with one Idempotency-Key, retried after a lost answer, then offers the subscription', async () => {
  let n = 0
  const calls = stubWx(routes({
    UPLOAD: { status: 201, data: { upload: { id: '17', content_type: 'image/jpeg', size: 1000 } } },
    'POST /api/v1/messages': () => (++n === 1 ? { fail: 'request:fail' } : { status: 200, data: { ticket: ticket({ contact: '138****5678' }) } }),
  }))
  wx.chooseMedia = (o) => o.success({ tempFiles: [{ tempFilePath: 'wxfile://tmp/a.jpg', size: 1000 }] })
  wx.chooseLocation = (o) => o.success({ latitude: 30.1, longitude: 120.2, address: '示范市东华街道1号', name: '' })
  let asked = null
  wx.requestSubscribeMessage = (o) => { asked = o.tmplIds; o.success({ TPL1: 'accept' }) }
  const page = loadPage('ask')
  await page.instance.onLoad()
  page.instance.onUnit({ detail: { value: '1' } })
  page.instance.onType({ currentTarget: { dataset: { value: 'complaint' } } })
  page.instance.onCategory({ detail: { value: '2' } })
  page.instance.onContent({ detail: { value: '物业不修电梯' } })
  page.instance.onPhone({ detail: { value: '13812345678' } })
  page.instance.onConsent({ detail: { checked: true } })
  page.instance.onPublish({ detail: { value: true } })
  await page.instance.choosePhotos()
  page.instance.chooseLocation()
  expect(page.data.photos).toEqual([{ path: 'wxfile://tmp/a.jpg', size: 1000, state: 'done', id: '17' }])
  const upload = calls.find((c) => c.key === 'UPLOAD')
  expect(upload).toMatchObject({ name: 'file', filePath: 'wxfile://tmp/a.jpg', url: 'http://wz.test/api/v1/uploads' })
  expect(text(page, '.wz-type-on, .wz-chip--on')).toBe('投诉')

  const submitting = page.instance.submit()
  await submitting
  const sent = calls.filter((c) => c.key === 'POST /api/v1/messages')
  expect(sent).toHaveLength(2)
  expect(sent[0].header['Idempotency-Key']).toBe(sent[1].header['Idempotency-Key'])
  expect(sent[0].body).toEqual({
    type: 'complaint', content: '物业不修电梯', channel: 'miniprogram', publish: true, unit_id: '3', category_id: '3',
    contact_phone: '13812345678', location: { latitude: 30.1, longitude: 120.2, address: '示范市东华街道1号' },
    attachments: ['17'],
  })
  expect(text(page, '#done-no')).toBe('WZ20261123000042')
  expect(text(page, '#done-promised')).toBe('2026年12月7日')
  expect(text(page, '#done-contact')).toBe('138****5678')
  page.instance.subscribeReply()
  expect(asked).toEqual(['TPL1'])
  expect(text(page, '#subscribed')).toBe('已订阅答复通知')

  // the next question gets a new key
  page.instance.askAgain()
  expect(page.data.state).toBe('form')
  expect(page.data.form.content).toBe('')
})

test('a refused submission shows the server\'s reason in Chinese and keeps the draft', async () => {
  stubWx(routes({
    'POST /api/v1/messages': { status: 422, data: { error: { code: 'validation_failed', message: 'contact_phone: bad', field: 'contact_phone' } } },
  }))
  const page = loadPage('ask')
  await page.instance.onLoad()
  page.instance.onContent({ detail: { value: '问题' } })
  page.instance.onConsent({ detail: { checked: true } })
  await page.instance.submit()
  expect(text(page, '#form-error')).toBe('请检查“联系电话”：填写的内容不符合要求')
  expect(page.data.form.content).toBe('问题')
  expect(page.data.submitting).toBe(false)
})

test('no template configured: no subscription button; a too large photo is refused before upload', async () => {
  const calls = stubWx(routes({ 'GET /api/v1/public/config': { status: 404, data: {} } }))
  wx.chooseMedia = (o) => o.success({ tempFiles: [{ tempFilePath: 'wxfile://big.jpg', size: 6 * 1024 * 1024 }] })
  const page = loadPage('ask')
  await page.instance.onLoad()
  await page.instance.choosePhotos()
  expect(page.data.photos).toEqual([])
  expect(calls.find((c) => c.key === 'wx.showToast').title).toContain('5MB')
  page.setData({ state: 'done', result: { no: 'WZ1', promised: '', contact: '' } })
  expect(page.querySelector('#subscribe')).toBeFalsy()
})
