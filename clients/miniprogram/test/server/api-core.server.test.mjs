// api-core.js against the REAL server and database (driven by tests/integration/test_miniprogram_api.py,
// which starts wenzheng with the demo seed and passes its URL and log file). The transport is the
// H5's fetch transport, so the module both clients share is tested with a real transport; the
// mini-program's wx transport is tested in the simulator tests.
//
// env: WZ_URL, WZ_SERVER_LOG (the server's log: the phone code's log driver writes the code there),
//      WZ_DEMO_PASSWORD
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import core from '../../utils/api-core.js'
import labels from '../../utils/labels.js'
import { fetchTransport } from '../../../h5/src/transport.js'

const URL_ = process.env.WZ_URL
const LOG = process.env.WZ_SERVER_LOG
const PASSWORD = process.env.WZ_DEMO_PASSWORD || 'wenzheng-demo'
assert.ok(URL_ && LOG, 'WZ_URL and WZ_SERVER_LOG are required (run through test_miniprogram_api.py)')

const noSleep = () => Promise.resolve()
// letters only: the public board refuses a search with five digits in a row
const tag = Math.random().toString(36).slice(2, 8).replace(/[0-9]/g, (d) => 'abcdefghij'[d])

function client(extra = {}) {
  return core.createClient({ baseUrl: URL_, transport: fetchTransport(), storage: core.memoryStorage(), sleep: noSleep, ...extra })
}

/** The newest code the log driver wrote for the masked number, after `mark` characters of the log. */
async function codeFor(masked, mark) {
  const re = new RegExp('to ' + masked.replace(/\*/g, '\\*') + ': [^0-9]*(\\d{6})', 'g')
  for (let i = 0; i < 50; i++) {
    const found = [...readFileSync(LOG, 'utf8').slice(mark).matchAll(re)]
    if (found.length) return found[found.length - 1][1]
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('no code for ' + masked + ' in the server log')
}

async function citizen(phone) {
  const c = client()
  const mark = readFileSync(LOG, 'utf8').length
  const sent = await c.requestPhoneCode(phone)
  assert.equal(sent.expires_in, 300)
  const code = await codeFor(phone.slice(0, 3) + '****' + phone.slice(-4), mark)
  const user = await c.loginPhone(phone, code)
  assert.equal(user.role, 'citizen')
  return c
}

async function staff(username) {
  const c = client()
  const s = await c.request('POST', '/api/v1/auth/login', { body: { username, password: PASSWORD }, auth: false })
  c.setSession(s)
  return c
}

const me = await citizen('13700137' + String(Math.floor(Math.random() * 900) + 100))
const admin = await staff('admin')

test('phone sign-in: a wrong code is refused with a Chinese text naming the code', async () => {
  const c = client()
  const mark = readFileSync(LOG, 'utf8').length
  await c.requestPhoneCode('13600136000')
  const code = await codeFor('136****6000', mark)
  await assert.rejects(c.loginPhone('13600136000', code === '000000' ? '111111' : '000000'), (e) => {
    assert.equal(e.status, 401)
    assert.equal(e.code, 'unauthenticated')
    assert.equal(e.field, 'code')
    assert.match(e.message, /验证码不正确/)
    return true
  })
  assert.equal(c.signedIn(), false)
  // a second code within the minute: 429 with Retry-After, said in seconds
  await assert.rejects(c.requestPhoneCode('13600136000'), (e) => {
    assert.equal(e.code, 'rate_limited')
    assert.ok(e.retryAfter > 0 && e.retryAfter <= 60)
    assert.match(e.message, /秒后再试/)
    return true
  })
})

test('reference data for the question form: units, categories, accounts', async () => {
  const [units, categories, accounts] = await Promise.all([me.units(), me.categories(), me.accounts()])
  assert.ok(units.some((u) => u.name === '示范市住房和城乡建设局' && u.accepts_direct))
  assert.ok(categories.some((c) => c.name === '物业管理'))
  assert.ok(accounts.some((a) => a.platform === 'web'))
})

test('a submission whose answer is lost is retried with the same Idempotency-Key: one ticket', async () => {
  const real = fetchTransport()
  const keys = []
  let lose = true
  const lossy = {
    ...real,
    async request(req) {
      if (req.url.endsWith('/api/v1/messages')) keys.push(req.headers['Idempotency-Key'])
      const resp = await real.request(req)
      if (req.url.endsWith('/api/v1/messages') && lose) {
        lose = false
        throw new Error('socket hang up') // the server committed; the phone never heard back
      }
      return resp
    },
  }
  const c = client({ transport: lossy, storage: core.memoryStorage() })
  c.setSession(me.session())
  const title = '路灯不亮' + tag
  const got = await c.submitMessage({ type: 'help', title, content: '小区门口路灯坏了一周，晚上很黑。', channel: 'web',
    contact_phone: '13700001234' })
  assert.equal(keys.length, 2)
  assert.equal(keys[0], keys[1])
  assert.match(keys[0], /^[0-9a-f]{32}$/)
  assert.equal(got.created, false, 'the retry answers 200 with the ticket the lost request created')
  assert.equal(got.attempts, 2)
  assert.equal(got.ticket.title, title)
  assert.equal(got.ticket.contact, '137****1234', 'the phone comes back masked')
  const mine = await me.myTickets({ q: title })
  assert.equal(mine.items.length, 1, 'exactly one ticket')
  assert.equal(mine.items[0].id, got.ticket.id)
})

test('a 5xx is retried with the same key; a 4xx is not retried', async () => {
  const real = fetchTransport()
  const seen = []
  let fail = 1
  const flaky = {
    ...real,
    async request(req) {
      if (req.url.endsWith('/api/v1/messages')) {
        seen.push(req.headers['Idempotency-Key'])
        if (fail-- > 0) return { status: 503, headers: {}, data: '{"error":{"code":"unavailable","message":"busy"}}' }
      }
      return real.request(req)
    },
  }
  const c = client({ transport: flaky })
  c.setSession(me.session())
  const got = await c.submitMessage({ type: 'suggestion', content: '建议增加公交班次' + tag, channel: 'web' })
  assert.equal(got.created, true)
  assert.deepEqual(seen, [seen[0], seen[0]])

  seen.length = 0
  await assert.rejects(c.submitMessage({ type: 'consultation', content: '   ', channel: 'web' }), (e) => {
    assert.equal(e.status, 422)
    assert.equal(e.code, 'validation_failed')
    assert.equal(e.field, 'content')
    assert.match(e.message, /留言内容/)
    return true
  })
  assert.equal(seen.length, 1)
})

test('an expired access token is refreshed once, even for concurrent requests', async () => {
  const real = fetchTransport()
  let refreshes = 0
  const counting = {
    ...real,
    request(req) {
      if (req.url.endsWith('/auth/refresh')) refreshes++
      return real.request(req)
    },
  }
  const c = await citizen('13500135' + String(Math.floor(Math.random() * 900) + 100))
  const session = c.session()
  const d = client({ transport: counting })
  d.setSession({ ...session, access_token: 'expired.' + session.access_token.split('.')[1] + '.x', expires_in: 0 })
  const [a, b] = await Promise.all([d.myTickets(), d.units()])
  assert.ok(Array.isArray(a.items) && Array.isArray(b))
  assert.equal(refreshes, 1)
  assert.notEqual(d.session().refresh_token, session.refresh_token, 'the refresh token rotates')

  // a refused refresh ends the session
  let expired = 0
  const e = client({ onSessionExpired: () => expired++ })
  e.setSession({ access_token: 'garbage', refresh_token: 'A'.repeat(43) })
  await assert.rejects(e.myTickets(), (err) => err.code === 'unauthenticated' && /重新登录/.test(err.message))
  assert.equal(e.signedIn(), false)
  assert.equal(expired, 1)
})

test('my question is answered by the unit, I read the reply and rate it', async () => {
  const title = '物业不修电梯' + tag
  const { ticket } = await me.submitMessage({ type: 'complaint', title, content: '小区物业电梯坏了两周没人修。',
    channel: 'web', unit_id: '3' })
  assert.equal(ticket.unit_id, '3', 'a unit that takes direct submissions gets it')
  assert.ok(ticket.promised_reply_at, 'the promised reply date is told at once')
  const view = labels.ticketView(ticket)
  assert.equal(view.statusLabel, '已转交部门')
  assert.match(view.promised, /^\d{4}年\d{1,2}月\d{1,2}日$/)

  // a follow-up while the unit works on it
  const fu = await me.followUp(ticket.id, '补充：是3号楼的电梯。')
  assert.equal(fu.message.kind, 'follow_up')

  // the unit (admin here) signs and replies
  await admin.request('POST', `/api/v1/tickets/${ticket.id}/sign`, { body: {} })
  await admin.request('POST', `/api/v1/tickets/${ticket.id}/replies`, { body: { content: '已督促物业更换电梯配件，本周内修复。' } })

  const detail = await me.ticket(ticket.id)
  assert.equal(detail.status, 'replied')
  assert.equal(detail.replies[0].content, '已督促物业更换电梯配件，本周内修复。')
  assert.ok(labels.canRate(detail))
  const steps = labels.timeline(detail.events).map((s) => s.text)
  assert.deepEqual(steps.slice(0, 2), ['留言已受理', '已转交承办部门'])
  assert.ok(steps.includes('部门已答复'))

  const rated = await me.rate(ticket.id, { resolved: true, satisfaction: 'satisfied', comment: '很快，谢谢' })
  assert.equal(rated.ticket.status, 'closed')
  assert.equal(rated.rating.satisfaction, 'satisfied')
  await assert.rejects(me.rate(ticket.id, { resolved: true, satisfaction: 'satisfied' }), (e) => {
    assert.equal(e.code, 'invalid_transition')
    assert.match(e.message, /当前状态不能/)
    return true
  })
  // another citizen's ticket does not exist for me
  const other = await citizen('13400134' + String(Math.floor(Math.random() * 900) + 100))
  await assert.rejects(other.ticket(ticket.id), (e) => e.status === 404 && e.code === 'not_found')
})

// The endpoints the server adds for this issue (uploads, publication, the public board): tested
// as soon as the server has them.

test('uploads: a photo goes with the question and only its owner can read it back', async () => {
  // 1x1 PNG
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')
  const up = await me.uploadImage(new Blob([png], { type: 'image/png' }))
  assert.equal(up.content_type, 'image/png')
  assert.equal(up.size, png.length)
  await assert.rejects(me.uploadImage(new Blob([Buffer.from('not an image')], { type: 'image/png' })),
    (e) => e.code === 'unsupported_media_type' && /JPG/.test(e.message))
  const { ticket } = await me.submitMessage({ type: 'report', content: '路边有人乱倒垃圾' + tag, channel: 'web', attachments: [up.id] })
  const detail = await me.ticket(ticket.id)
  assert.deepEqual(detail.attachments.map((a) => a.id), [up.id])
  const url = await me.image(up.id)
  assert.match(url, /^blob:/)
  const other = await citizen('13300133' + String(Math.floor(Math.random() * 900) + 100))
  await assert.rejects(other.image(up.id), (e) => e.status === 404)
})

test('public board: a published answer is found by text, masked, without contact data', async () => {
  const cfg = await client().publicConfig()
  const units = await client().publicUnits()
  assert.ok(units.some((u) => u.name === '示范市住房和城乡建设局'), 'visitors get the department names')
  assert.ok(cfg.uploads.max_bytes > 0)
  const word = '公开' + tag
  const { ticket } = await me.submitMessage({ type: 'consultation', title: word, content: `${word} 我的电话13712345678`,
    channel: 'web', unit_id: '3', publish: true, contact_phone: '13712345678' })
  assert.equal(ticket.publish, true)
  await admin.request('POST', `/api/v1/tickets/${ticket.id}/sign`, { body: {} })
  await admin.request('POST', `/api/v1/tickets/${ticket.id}/replies`, { body: { content: '可以在政务服务中心办理。' } })
  const anon = client()
  const page = await anon.publicReplies({ q: word })
  assert.equal(page.items.length, 1)
  const item = page.items[0]
  assert.equal(item.reply, '可以在政务服务中心办理。')
  assert.ok(!JSON.stringify(item).includes('13712345678'), 'masked')
  assert.deepEqual(await anon.publicReply(item.id), item)
})
