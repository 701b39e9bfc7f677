// The H5 message board end to end in headless Debian chromium at a phone viewport (390x844),
// against a real wenzheng and database (driven by tests/integration/test_h5.py): a citizen signs
// in by phone and one-time code (read from the server's log, the development SMS driver), asks a
// question with a photo, sees its status and promised date; the unit's staff replies through
// the API; the citizen reads the reply and rates it; the evaluator's /api/v1/stats
// satisfaction_rate moves. Screenshots to WZ_SCREENSHOTS/h5-*.png. No test runner: each step
// logs, a failed assertion exits 1.
//
// env: WZ_URL, WZ_SERVER_LOG, WZ_DEMO_PASSWORD, WZ_SCREENSHOTS, WZ_CHROMIUM
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(join(here, '../../../clients/h5/package.json'))
const { chromium } = require('playwright-core')

const BASE = process.env.WZ_URL
const LOG = process.env.WZ_SERVER_LOG
const PASSWORD = process.env.WZ_DEMO_PASSWORD ?? 'wenzheng-demo'
const SHOTS = process.env.WZ_SCREENSHOTS ?? join(here, '../../../build/screenshots')
// what the server sends with the board's files; added here too, so a bundle that needs inline
// script or eval fails this test whatever the server does
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'"
assert.ok(BASE && LOG, 'WZ_URL and WZ_SERVER_LOG are required (run through tests/integration/test_h5.py)')
mkdirSync(SHOTS, { recursive: true })

const started = Date.now()
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a)
const problems = []
// letters only: the public board refuses a search with five digits in a row
const tag = Math.random().toString(36).slice(2, 7).replace(/[0-9]/g, (d) => 'abcdefghij'[d])
const PHONE = '1391234' + String(Math.floor(Math.random() * 9000) + 1000)
const MASKED = PHONE.slice(0, 3) + '****' + PHONE.slice(-4)

async function apiCall(method, path, body, token) {
  const resp = await fetch(BASE + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
  })
  const text = await resp.text()
  const data = text ? JSON.parse(text) : null
  assert.ok(resp.ok, `${method} ${path}: ${resp.status} ${text}`)
  return data
}
const staffToken = async (username) =>
  (await apiCall('POST', '/api/v1/auth/login', { username, password: PASSWORD })).access_token

async function codeFromLog(mark) {
  const re = new RegExp('to ' + MASKED.replace(/\*/g, '\\*') + ': [^0-9]*(\\d{6})', 'g')
  for (let i = 0; i < 50; i++) {
    const found = [...readFileSync(LOG, 'utf8').slice(mark).matchAll(re)]
    if (found.length) return found[found.length - 1][1]
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('no phone code in the server log')
}

const beijingDay = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10)
async function stats(token) {
  const q = `/api/v1/stats?from=${beijingDay(-1)}&to=${beijingDay(1)}`
  return (await apiCall('GET', q, undefined, token)).totals
}

// a 1x1 PNG, made here, for the photo
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

const browser = await chromium.launch({
  executablePath: process.env.WZ_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
let failed = false
try {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true,
    hasTouch: true, locale: 'zh-CN' })
  await ctx.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue()
    const resp = await route.fetch()
    await route.fulfill({ response: resp, headers: { ...resp.headers(), 'content-security-policy': CSP } })
  })
  const page = await ctx.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text())
  })
  const shot = (name) => page.screenshot({ path: join(SHOTS, `h5-${name}.png`), fullPage: true })

  const evaluator = await staffToken('evaluator')
  const before = await stats(evaluator)
  log('evaluator before:', JSON.stringify({ rated: before.rated, satisfied: before.satisfied, rate: before.satisfaction_rate }))

  // 1. /h5/ opens on the question form; not signed in, the phone + code step comes first
  await page.goto(`${BASE}/h5/`)
  await page.waitForURL(/#\/login\?next=/)
  await page.getByLabel('手机号').fill(PHONE)
  let mark = readFileSync(LOG, 'utf8').length
  await page.getByTestId('send-code').click()
  await page.getByTestId('code-sent').waitFor()
  await shot('01-login')
  await page.getByLabel('短信验证码').fill(await codeFromLog(mark))
  await page.getByTestId('login').click()
  await page.getByLabel('留言内容').waitFor()
  log('signed in by phone code')

  // 2. ask
  const title = '电梯停运' + tag
  await page.getByLabel('向哪个部门反映').selectOption({ label: '示范市住房和城乡建设局' })
  await page.getByRole('radio', { name: '投诉' }).click()
  await page.getByLabel('问题分类').selectOption({ label: '　物业管理' })
  await page.getByLabel('标题（可不填）').fill(title)
  await page.getByLabel('留言内容').fill('3号楼电梯停运两周，物业一直不修，老人上下楼很困难。')
  await page.getByLabel('联系电话（可选）').fill('13812345678')
  await page.getByTestId('photo-input').setInputFiles({ name: 'elevator.png', mimeType: 'image/png', buffer: PNG })
  await page.getByTestId('photo').getByText('删除').waitFor()
  log('photo uploaded')
  await page.getByTestId('submit').click()
  assert.equal(await page.getByTestId('form-error').textContent(), '请先勾选同意个人信息使用说明')
  await page.getByTestId('consent').check()
  await page.getByTestId('publish').check()
  await shot('02-ask')
  await page.getByTestId('submit').click()
  await page.getByTestId('done').waitFor()
  const no = (await page.getByTestId('done-no').textContent()).trim()
  assert.match(no, /^WZ\d{14}$/)
  assert.match(await page.getByTestId('done-promised').textContent(), /^\d{4}年\d{1,2}月\d{1,2}日$/)
  assert.equal(await page.getByTestId('done-contact').textContent(), '138****5678')
  await shot('03-submitted')
  log('asked:', no)

  // 3. status in my questions
  await page.getByTestId('tab-mine').click()
  const card = page.locator('a.card', { hasText: title })
  await card.waitFor()
  assert.equal(await card.getByTestId('status').textContent(), '已转交部门')
  assert.match(await card.textContent(), /承诺答复：\d{4}年/)
  await shot('04-mine')
  await card.click()
  await page.getByTestId('timeline').getByText('已转交承办部门').waitFor()
  const id = page.url().split('/tickets/')[1]
  await page.getByTestId('attachment').locator('img').waitFor()
  log('ticket', id, 'dispatched')

  // 4. the unit's staff signs and replies through the console's API
  const staff = await staffToken('staff_zjj')
  await apiCall('POST', `/api/v1/tickets/${id}/sign`, {}, staff)
  const replyText = '已责令物业本周内完成电梯维修，维修期间安排人员协助老人上下楼。'
  await apiCall('POST', `/api/v1/tickets/${id}/replies`, { content: replyText }, staff)
  log('staff_zjj signed and replied')

  // 5. the citizen sees the reply and rates it
  await page.reload()
  await page.getByTestId('reply').waitFor()
  assert.equal(await page.getByTestId('status').textContent(), '已答复')
  assert.match(await page.getByTestId('reply').textContent(), /已责令物业本周内完成电梯维修/)
  await page.getByTestId('rate-form').waitFor()
  await shot('05-reply')
  await page.getByTestId('rate').click()
  await page.getByText('请选择问题是否已解决').waitFor()
  await page.getByRole('button', { name: '已解决' }).click()
  await page.getByRole('button', { name: '满意', exact: true }).click()
  await page.getByLabel('评价内容（可选）').fill('处理及时，谢谢！')
  await page.getByTestId('rate').click()
  await page.getByTestId('rated').waitFor()
  assert.equal(await page.getByTestId('status').textContent(), '已办结')
  assert.match(await page.getByTestId('rated').textContent(), /满意 · 已解决/)
  assert.equal(await page.getByTestId('rate-form').count(), 0)
  await shot('06-rated')
  log('rated: satisfied')

  // 6. the evaluator's satisfaction rate reflects it (the stats job runs every second)
  let after = before
  for (let i = 0; i < 60 && after.rated === before.rated; i++) {
    await new Promise((r) => setTimeout(r, 500))
    after = await stats(evaluator)
  }
  log('evaluator after:', JSON.stringify({ rated: after.rated, satisfied: after.satisfied, rate: after.satisfaction_rate }))
  assert.equal(after.rated, before.rated + 1, 'one more rated ticket')
  assert.equal(after.satisfied, before.satisfied + 1, 'one more satisfied')
  const want = (after.satisfied + after.basically_satisfied) / after.rated
  assert.ok(Math.abs(after.satisfaction_rate - want) < 1e-9, `satisfaction_rate ${after.satisfaction_rate} != ${want}`)

  // 7. the public board
  await page.getByTestId('tab-board').click()
  await page.getByTestId('board-q').fill(title)
  await page.getByTestId('board-search').click()
  const item = page.getByTestId('board-item').filter({ hasText: title })
  await item.waitFor()
  await item.getByRole('button', { name: '查看答复' }).click()
  await item.getByText(replyText).waitFor()
  assert.ok(!(await item.textContent()).includes('13812345678'))
  log('published on the board')
  await shot('07-board')

  assert.deepEqual(problems, [], 'no page errors and no CSP violations')
  log('done')
} catch (e) {
  failed = true
  console.error(e)
  console.error('problems:', problems)
} finally {
  await browser.close()
}
process.exit(failed ? 1 : 0)
