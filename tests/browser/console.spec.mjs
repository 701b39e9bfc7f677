// Browser test of the staff console against a real wenzheng and database (driven by
// tests/integration/test_console.py, which starts the server with the demo seed, creates one new
// ticket and passes its id). Headless Debian chromium through playwright-core, no test runner:
// each step logs, a failed assertion exits 1. Screenshots of every page go to WZ_SCREENSHOTS.
//
// env: WZ_URL (http://127.0.0.1:port), WZ_TICKET_ID, WZ_TICKET_TITLE, WZ_DEMO_PASSWORD, WZ_SCREENSHOTS,
// WZ_CITIZEN_TOKEN (a citizen's access token: the photo and public board scenario submits its own
// ticket; the server must run with WZ_PUBLIC_BOARD_CACHE_S=0 so the board shows changes at once)
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(join(here, '../../clients/console/package.json'))
const { chromium } = require('playwright-core')

const BASE = process.env.WZ_URL ?? 'http://127.0.0.1:8181'
const TICKET = process.env.WZ_TICKET_ID
const TITLE = process.env.WZ_TICKET_TITLE
const CITIZEN = process.env.WZ_CITIZEN_TOKEN
const PASSWORD = process.env.WZ_DEMO_PASSWORD ?? 'wenzheng-demo'
const SHOTS = process.env.WZ_SCREENSHOTS ?? join(here, '../../build/screenshots')
const RSJ = '示范市人力资源和社会保障局'
// what the server will send (docs/console.md); added here to every document so a console that
// needs inline scripts or eval fails this test even before the server sends the header itself
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
assert.ok(TICKET && TITLE && CITIZEN, 'WZ_TICKET_ID, WZ_TICKET_TITLE and WZ_CITIZEN_TOKEN are required')
mkdirSync(SHOTS, { recursive: true })

const started = Date.now()
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a)
const problems = []

const browser = await chromium.launch({
  executablePath: process.env.WZ_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

async function session(username) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true })
  await ctx.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue()
    const resp = await route.fetch()
    await route.fulfill({ response: resp, headers: { ...resp.headers(), 'content-security-policy': CSP } })
  })
  const page = await ctx.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => problems.push(`${username}: page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`${username}: ${m.text()}`)
  })
  await page.goto(`${BASE}/#/login`)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.waitForURL(/#\/(queue|dashboard)/)
  await page.getByTestId('whoami').waitFor()
  log(`signed in as ${username}`)
  return { ctx, page }
}

const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
const statusText = (page) => page.getByTestId('ticket-status').innerText()

// ---- the login page, and a wrong password
{
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await ctx.newPage()
  await page.goto(`${BASE}/#/queue`)
  await page.waitForURL(/#\/login/)
  await page.getByLabel('用户名').fill('dispatcher')
  await page.getByLabel('密码').fill('not-the-password')
  await page.getByTestId('login-submit').click()
  await page.getByTestId('login-error').waitFor()
  assert.match(await page.getByTestId('login-error').innerText(), /用户名或密码错误/)
  await shot(page, '01-login')
  // throttling: the 5th failure of a username locks it; the page says for how long
  await page.getByLabel('用户名').fill('staff_xcwj')
  const throttled = async () => /登录失败次数过多/.test(await page.getByTestId('login-error').innerText().catch(() => ''))
  for (let i = 0; i < 8 && !(await throttled()); i++) {
    await page.getByLabel('密码').fill(`wrong-${i}`)
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
      page.getByTestId('login-submit').click()])
    await page.waitForTimeout(150) // the answer rendered
  }
  await page.waitForFunction(() => /登录失败次数过多/.test(document.querySelector('[data-testid=login-error]')?.textContent ?? ''))
  assert.ok(await page.getByTestId('login-submit').isDisabled(), 'the button waits out Retry-After')
  await shot(page, '01b-login-throttled')
  await ctx.close()
  log('login page refuses a wrong password and shows the throttling')
}

// ---- the admin writes a reply template (the staff will insert it)
const TEMPLATE = '您好，您反映的问题已收悉，工作日可到市民中心一楼综合窗口办理，谢谢您的支持。'
const adm = await session('admin')
{
  const page = adm.page
  await page.goto(`${BASE}/#/admin/templates`)
  await page.getByTestId('crud-add').click()
  await page.getByLabel('标题').fill('市民中心办理指引')
  await page.getByLabel('内容', { exact: true }).fill(TEMPLATE)
  await page.getByRole('button', { name: '保存' }).click()
  await page.getByRole('cell', { name: '市民中心办理指引' }).waitFor()
  log('admin created a reply template')
}

// ---- the evaluator's figures before
const ev = await session('evaluator')
await ev.page.getByTestId('nav-dashboard').click()
await ev.page.getByTestId('count-replied').waitFor()
await ev.page.waitForFunction(() => !/—/.test(document.querySelector('[data-testid=count-replied] strong')?.textContent ?? '—'))
const repliedBefore = Number(await ev.page.locator('[data-testid=count-replied] strong').innerText())
const receivedBefore = Number(await ev.page.locator('[data-testid=count-received] strong').innerText())
log(`dashboard before: received ${receivedBefore}, replied ${repliedBefore}`)

// ---- staff of the unit watch their queue (本单位待签收) while the dispatcher works
const st = await session('staff_rsj')
await st.page.getByTestId('view-本单位待签收').click()
await st.page.waitForFunction(() => document.querySelector('[data-testid=live-indicator]')?.textContent?.includes('实时'))
log('staff queue is live')

// ---- the dispatcher dispatches the new ticket (bulk dispatch, per-row result)
{
  const { ctx, page } = await session('dispatcher')
  assert.equal(await page.getByTestId('nav-admin-units').count(), 0, 'a dispatcher sees no admin menu')
  await page.getByTestId('view-待派发').click()
  await page.getByTestId('queue-search').locator('input').fill(TITLE)
  await page.getByTestId('queue-search').locator('input').press('Enter')
  const row = page.locator(`tr[data-ticket-id="${TICKET}"]`)
  await row.waitFor()
  await shot(page, '02-queue-dispatcher')
  await row.locator('input[type=checkbox]').check()
  await page.getByTestId('bulk-unit').click()
  await page.locator('.t-select-option').filter({ hasText: RSJ }).first().click()
  await page.getByTestId('bulk-dispatch').click()
  await page.getByTestId('bulk-summary').waitFor()
  assert.match(await page.getByTestId('bulk-summary').innerText(), /成功 1 条，失败 0 条/)
  await shot(page, '03-queue-bulk-dispatched')
  await ctx.close()
  log('dispatcher dispatched the ticket')
}

// ---- staff of the unit sign and reply: a reply with a mobile number is refused inline
{
  const { ctx, page } = st
  assert.equal(await page.getByTestId('nav-admin-units').count(), 0, 'staff see no admin menu')
  assert.equal(await page.getByTestId('nav-dashboard').count(), 0, 'staff see no dashboard menu')
  // the dispatched ticket arrives over the event stream, marked, without a reload
  const row = page.locator(`tr.changed[data-ticket-id="${TICKET}"]`)
  await row.waitFor({ timeout: 10_000 })
  await shot(page, '03b-queue-staff-live')
  log('the dispatched ticket appeared live in the staff queue')
  await row.focus()
  await page.keyboard.press('Enter') // keyboard: open the focused row
  await page.waitForURL(new RegExp(`#/tickets/${TICKET}$`))
  await page.getByTestId('action-sign').waitFor()
  assert.equal(await page.getByTestId('action-dispatch').count(), 0, 'staff cannot dispatch')
  assert.equal(await page.getByTestId('action-supervise').count(), 0, 'staff cannot supervise')
  assert.equal(await page.getByTestId('reply-editor').count(), 0, 'no reply editor before signing')
  await page.getByTestId('action-sign').click()
  await page.getByTestId('reply-editor').waitFor()
  assert.equal(await statusText(page), '办理中')
  assert.equal(await page.getByTestId('action-sign').count(), 0, 'signed: no sign action')

  await page.getByTestId('reply-text').fill('您好，请拨打13812345678联系经办人。')
  await page.getByTestId('reply-send').click()
  await page.getByTestId('reply-error').waitFor()
  const err = await page.getByTestId('reply-error').innerText()
  assert.match(err, /个人信息/, err)
  assert.match(err, /13812345678/, err)
  await shot(page, '04-ticket-privacy-refused')

  await page.getByTestId('reply-text').fill('')
  await page.getByTestId('template-select').click()
  await page.locator('.t-select-option').filter({ hasText: '市民中心办理指引' }).click()
  assert.equal(await page.getByTestId('reply-text').inputValue(), TEMPLATE, 'the template is inserted')
  await page.getByTestId('reply-send').click()
  await page.getByTestId('reply-pending_review').waitFor()
  assert.equal(await page.getByTestId('reply-error').count(), 0)
  assert.equal(await page.getByTestId('reply-editor').count(), 0, 'one reply at a time while it waits for review')
  // the contact, unmasked on request with a reason (audited by the server)
  assert.match(await page.getByTestId('contact').innerText(), /\*/)
  await page.getByTestId('reveal').click()
  await page.getByTestId('reveal-reason').locator('input').fill('电话回访核实诉求')
  await page.getByRole('button', { name: '查看', exact: true }).click()
  await page.waitForFunction(() => document.querySelector('[data-testid=contact]')?.textContent === '13900001111')
  await page.waitForTimeout(400) // the dialog's closing animation
  await shot(page, '05-ticket-staff-replied')
  await ctx.close()
  log('staff signed, a reply with a phone number was refused inline, the clean reply waits for review')
}

// ---- the reviewer approves
{
  const { ctx, page } = await session('reviewer_rsj')
  await page.goto(`${BASE}/#/tickets/${TICKET}`)
  await page.getByTestId('review-approve').waitFor()
  assert.equal(await page.getByTestId('reply-editor').count(), 0, 'a reviewer has no reply editor')
  await shot(page, '06-ticket-review')
  await page.getByTestId('review-approve').click()
  await page.getByTestId('reply-published').waitFor()
  assert.equal(await statusText(page), '已答复')
  await ctx.close()
  log('reviewer approved: the ticket is replied')
}

// ---- the evaluator sees the figures change, sees no actions, downloads an XLSX
{
  const page = ev.page
  const deadline = Date.now() + 30_000
  let replied = repliedBefore
  while (Date.now() < deadline) {
    await page.getByTestId('period-thisMonth').click()
    await page.waitForTimeout(1000)
    replied = Number(await page.locator('[data-testid=count-replied] strong').innerText())
    if (replied > repliedBefore) break
  }
  assert.ok(replied > repliedBefore, `replied went from ${repliedBefore} to ${replied}`)
  // (received does not move: the ticket was received before the test read the figures)
  const received = Number(await page.locator('[data-testid=count-received] strong').innerText())
  assert.match(await page.getByTestId('rate-reply_rate').innerText(), /%/)
  await page.waitForTimeout(500) // the charts' animation
  await shot(page, '07-dashboard')
  log(`dashboard after: received ${received}, replied ${replied}`)

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()])
  const file = await download.path()
  const head = readFileSync(file).subarray(0, 2).toString('latin1')
  assert.equal(head, 'PK', 'the XLSX is a zip')
  assert.match(download.suggestedFilename(), /\.xlsx$/)
  await page.getByTestId('export-status').waitFor()
  log(`evaluator downloaded ${download.suggestedFilename()}`)

  // drill-down: a count opens the queue with the tickets behind it
  await page.getByTestId('count-replied').click()
  await page.waitForURL(/#\/queue\?.*figure=replied/)
  await page.locator('tbody tr[data-ticket-id]').first().waitFor()
  await shot(page, '08-queue-drilldown')

  await page.goto(`${BASE}/#/tickets/${TICKET}`)
  await page.getByTestId('reply-published').waitFor()
  assert.equal(await page.getByTestId('reply-editor').count(), 0, 'an evaluator has no reply editor')
  assert.equal(await page.locator('[data-testid^=action-]').count(), 0, 'an evaluator has no actions')
  assert.equal(await page.getByTestId('reveal').count(), 0, 'an evaluator cannot reveal contacts')
  assert.equal(await page.getByTestId('nav-admin-units').count(), 0, 'an evaluator sees no admin menu')
  await shot(page, '09-ticket-evaluator')
  await ev.ctx.close()
}

// ---- the admin's pages and the accounts registry
{
  const { ctx, page } = adm
  await page.getByTestId('nav-accounts').click()
  await page.getByTestId('accounts-table').locator('tbody tr').first().waitFor()
  await shot(page, '10-accounts')
  const adminPages = ['units', 'users', 'categories', 'routing', 'sla', 'calendar', 'templates', 'outbox', 'inbox']
  let n = 11
  for (const p of adminPages) {
    await page.goto(`${BASE}/#/admin/${p}`)
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(300)
    await shot(page, `${n++}-admin-${p}`)
  }
  await page.goto(`${BASE}/#/admin/calendar`)
  assert.ok(await page.locator('button.day').count() >= 365, 'a year of days')
  await ctx.close()
  log('admin pages rendered')
}

// ---- a citizen's photo and the public board (docs/lifecycle.md, "Photos and the public board")
/** A small valid PNG (w x h, 8-bit RGB): a blue/orange checkerboard. */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0 }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2 // 8-bit RGB
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      const on = ((x >> 3) + (y >> 3)) % 2 === 0
      raw[o] = on ? 0x00 : 0xe3; raw[o + 1] = on ? 0x52 : 0x77; raw[o + 2] = on ? 0xd9 : 0x0d
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}
async function apiJson(method, path, body, token, contentType = 'application/json') {
  const r = await fetch(`${BASE}${path}`, {
    method, body: body == null ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body != null ? { 'Content-Type': contentType } : {}) },
  })
  const text = await r.text()
  return { status: r.status, doc: text ? JSON.parse(text) : null }
}
const onBoard = async (id) => {
  const { status, doc } = await apiJson('GET', '/api/v1/public/replies?limit=50')
  assert.equal(status, 200, JSON.stringify(doc))
  return doc.items.some((x) => x.id === id)
}
const pubState = (page) => page.getByTestId('publication-state').innerText()
const PHOTO_TITLE = '小区路灯不亮' + Math.random().toString(16).slice(2, 8)
let PHOTO_TICKET
{
  const image = png(64, 48)
  writeFileSync(join(SHOTS, 'photo-fixture.png'), image)
  const up = await apiJson('POST', '/api/v1/uploads', image, CITIZEN, 'image/png')
  assert.equal(up.status, 201, JSON.stringify(up.doc))
  const msg = await apiJson('POST', '/api/v1/messages', {
    type: 'help', title: PHOTO_TITLE, channel: 'web', unit_id: 3, publish: true, attachments: [up.doc.upload.id],
    content: `${PHOTO_TITLE}：幸福小区3栋门口的路灯坏了一周，晚上很黑，照片附上，请尽快修理。`,
  }, CITIZEN)
  assert.equal(msg.status, 201, JSON.stringify(msg.doc))
  PHOTO_TICKET = msg.doc.ticket.id
  assert.equal(msg.doc.ticket.unit_id, '3', 'addressed straight to 住建局')
  assert.equal(msg.doc.ticket.publication.state, 'pending')
  log(`citizen submitted ticket ${PHOTO_TICKET} with photo ${up.doc.upload.id} and consent to publish`)
}
{
  const { ctx, page } = await session('staff_zjj')
  await page.goto(`${BASE}/#/tickets/${PHOTO_TICKET}`)
  await page.getByTestId('photos').waitFor()
  const img = page.getByTestId('photos').locator('img')
  await img.first().waitFor()
  await page.waitForFunction(() => {
    const i = document.querySelector('[data-testid=photos] img')
    return i && i.complete && i.naturalWidth > 0
  })
  const dims = await img.first().evaluate((i) => [i.naturalWidth, i.naturalHeight, i.src.slice(0, 5)])
  assert.deepEqual(dims, [64, 48, 'blob:'], 'the photo is decoded from an object URL')
  assert.equal(await pubState(page), '待答复后公开')
  assert.equal(await page.getByTestId('publication-withhold').count(), 1, 'staff of the unit may withhold')
  // click to enlarge
  await page.getByTestId('photos').locator('button.thumb').first().click()
  const big = page.locator('.t-image-viewer__modal-image:visible')
  await big.waitFor()
  await page.waitForFunction(() => [...document.querySelectorAll('.t-image-viewer__modal-image')]
    .some((i) => i.naturalWidth === 64 && i.getBoundingClientRect().width > 0))
  await page.waitForTimeout(300) // the viewer's opening animation
  await shot(page, '20-ticket-photo-preview')
  await page.keyboard.press('Escape')
  await page.waitForTimeout(300)

  await page.getByTestId('action-sign').click()
  await page.getByTestId('reply-editor').waitFor()
  await page.getByTestId('reply-text').fill('您好，已安排维修人员于明日更换路灯，感谢您的反映。')
  await page.getByTestId('reply-send').click()
  await page.getByTestId('reply-published').waitFor() // 住建局 has no review step
  await page.waitForFunction(() => document.querySelector('[data-testid=publication-state]')?.textContent === '已公开')
  assert.ok(await onBoard(PHOTO_TICKET), 'the replied ticket is on the public board')
  await shot(page, '21-ticket-published')
  log('staff_zjj saw the photo, replied; the ticket is on the public board')

  // withhold: a reason is required
  await page.getByTestId('publication-withhold').click()
  await page.getByTestId('withhold-reason').waitFor()
  const withholdConfirm = page.locator('.t-dialog__footer:visible').getByRole('button', { name: '暂停公开' })
  await withholdConfirm.click()
  await page.getByTestId('withhold-error').waitFor()
  await page.getByTestId('withhold-reason').locator('textarea').fill('答复涉及第三人姓名，核实后再公开')
  await withholdConfirm.click()
  await page.waitForFunction(() => document.querySelector('[data-testid=publication-state]')?.textContent === '已暂停公开')
  assert.match(await page.getByTestId('publication-reason').innerText(), /答复涉及第三人姓名/)
  assert.equal(await page.getByTestId('publication-withhold').count(), 0)
  assert.ok(!(await onBoard(PHOTO_TICKET)), 'a withheld ticket is off the board')
  await page.waitForTimeout(400) // the dialog's closing animation
  await shot(page, '22-ticket-withheld')
  log('withheld with a reason: off the board')

  await page.getByTestId('publication-restore').click()
  await page.waitForFunction(() => document.querySelector('[data-testid=publication-state]')?.textContent === '已公开')
  assert.equal(await page.getByTestId('publication-restore').count(), 0)
  assert.ok(await onBoard(PHOTO_TICKET), 'restored: back on the board')
  log('restored: back on the board')
  await ctx.close()
}
{
  const { ctx, page } = await session('evaluator')
  // a photo the server cannot deliver shows a placeholder, not a broken image
  await ctx.route('**/api/v1/uploads/*', (route) => route.fulfill({ status: 404, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'not_found', message: 'no such upload' } }) }))
  await page.goto(`${BASE}/#/tickets/${PHOTO_TICKET}`)
  await page.getByTestId('publication-state').waitFor()
  await page.locator('[data-testid=photos] [data-state=error]').waitFor()
  assert.match(await page.locator('[data-testid=photos] [data-state=error]').innerText(), /照片无法加载/)
  assert.equal(await page.getByTestId('photos').locator('img').count(), 0)
  assert.equal(await pubState(page), '已公开')
  assert.equal(await page.getByTestId('publication-withhold').count(), 0, 'an evaluator may not withhold')
  assert.equal(await page.getByTestId('publication-restore').count(), 0, 'an evaluator may not restore')
  assert.equal(await page.getByTestId('dlg-withhold').count(), 0)
  await shot(page, '23-ticket-evaluator-publication')
  await ctx.close()
  log('the evaluator sees the publication state and no withhold action')
}

await browser.close()
if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
log('all console browser checks passed')
