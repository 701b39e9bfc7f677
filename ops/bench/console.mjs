// The console benchmark's browser side (run by ops/bench/console, which starts the database with
// the generated tickets and the server with the console). Headless Debian chromium through
// playwright-core; no test runner. For each user: WZ_BENCH_REPS repetitions, each in a fresh
// browser context (cold cache, as a first visit of the day), of
//   login       click 登录 -> the first queue rows rendered (JS and CSS download included)
//   next        下一页 -> the next 50 rows rendered
//   filter      status + light through the URL (what a view or a filter control does) -> rows
//   sort        sort by due through the URL -> rows
//   open        click the first row's number -> the ticket page rendered (status, publication)
// "Rendered" means: the API answer has arrived and the table shows exactly its rows (the first
// row's id and the row count match the answer), checked once an animation frame. Each step is
// timed inside the page, from the click's own event time stamp (or the URL change) to that
// frame, so the harness's round trips to the browser are left out; their wall time is kept too.
// Then, for the first user: the bytes of one queue page (GET /api/v1/tickets, 50 rows) as
// transferred, and the JS heap (after a forced GC) on page 1, after 20 more pages and after 20
// more again. Writes the samples and the summary as JSON to WZ_BENCH_OUT.
//
// env: WZ_URL, WZ_BENCH_PASSWORD, WZ_BENCH_USERS (comma list), WZ_BENCH_REPS, WZ_BENCH_OUT, WZ_CHROMIUM
import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(join(here, '../../clients/console/package.json'))
const { chromium } = require('playwright-core')

const BASE = process.env.WZ_URL
const PASSWORD = process.env.WZ_BENCH_PASSWORD
const USERS = (process.env.WZ_BENCH_USERS ?? 'dispatcher,staff_zjj').split(',')
const REPS = Number(process.env.WZ_BENCH_REPS ?? 10)
const OUT = process.env.WZ_BENCH_OUT
const FILTER = 'status=dispatched,accepted&sla_light=red'
const HEAP_PAGES = 20
if (!BASE || !PASSWORD || !OUT) throw new Error('WZ_URL, WZ_BENCH_PASSWORD and WZ_BENCH_OUT are required')

const browser = await chromium.launch({
  executablePath: process.env.WZ_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const now = () => performance.now()
const log = (...a) => console.error('console bench:', ...a)

const isList = (r, test) => r.request().method() === 'GET' && /\/api\/v1\/tickets(\?|$)/.test(r.url()) &&
  r.status() === 200 && test(new URL(r.url()).searchParams)

/** Marks the start of a step inside the page: the next click's own time stamp. */
const markClick = (page) => page.evaluate(() => {
  window.__wzStart = null
  document.addEventListener('click', (e) => { window.__wzStart ??= e.timeStamp }, { capture: true, once: true })
})

/** Runs `act`, waits for the list answer `test` accepts and for the table to show it, painted. */
async function timed(page, act, test) {
  const t0 = now()
  const [resp] = await Promise.all([page.waitForResponse((r) => isList(r, test), { timeout: 60_000 }), act()])
  const doc = await resp.json()
  const first = doc.items[0]?.id ?? null
  await page.waitForFunction(([id, n]) => {
    const rows = document.querySelectorAll('tbody tr[data-ticket-id]')
    const count = document.getElementById('queue-count')?.textContent ?? ''
    const done = rows.length === n && (n === 0 || rows[0].getAttribute('data-ticket-id') === id) && !/加载中/.test(count)
    if (done) window.__wzRendered = performance.now()
    return done
  }, [first, doc.items.length], { timeout: 60_000, polling: 'raf' })
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  const ms = now() - t0
  // inside the page: the request's own span (Resource Timing) and from its answer to the rows
  const inPage = await page.evaluate((url) => {
    // the last fetch of that URL that ended before the rows showed (a live re-read may follow)
    const e = performance.getEntriesByName(url, 'resource').filter((x) => x.responseEnd <= window.__wzRendered).at(-1)
    performance.clearResourceTimings()
    return {
      step: window.__wzRendered - window.__wzStart,
      api: e ? e.responseEnd - e.startTime : null, render: e ? window.__wzRendered - e.responseEnd : null,
    }
  }, resp.url())
  return { ms: inPage.step, wall: ms, resp, rows: doc.items.length, api: inPage.api, render: inPage.render }
}

async function login(ctx, user) {
  const page = await ctx.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto(`${BASE}/#/login`)
  await page.getByLabel('用户名').fill(user)
  await page.getByLabel('密码').fill(PASSWORD)
  await markClick(page)
  const r = await timed(page, () => page.getByTestId('login-submit').click(), (q) => !q.has('cursor'))
  // the event stream's `ready` re-reads the page once: let that pass before measuring more
  await page.waitForFunction(() => document.querySelector('[data-testid=live-indicator]')?.textContent?.includes('实时'))
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(300)
  return { page, ...r }
}

const setHash = (page, q) => page.evaluate((q) => { window.__wzStart = performance.now(); location.hash = `#/queue?${q}` }, q)
const next = async (page) => { await markClick(page); return timed(page, () => page.getByTestId('page-next').click(), (q) => q.has('cursor')) }
const results = { users: {}, reps: REPS, filter: FILTER }

for (const user of USERS) {
  const s = { login: [], next: [], filter: [], sort: [], open: [], rows: {}, api: {}, render: {}, wall: {} }
  for (let i = 0; i < REPS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    const { page, ms, wall, rows } = await login(ctx, user)
    s.login.push(ms); s.rows.login = rows; s.wall.login = [...(s.wall.login ?? []), wall]
    const keep = (k, r) => {
      s[k].push(r.ms); s.rows[k] = r.rows; (s.wall[k] ??= []).push(r.wall)
      if (r.api != null) { (s.api[k] ??= []).push(r.api); (s.render[k] ??= []).push(r.render) }
    }
    keep('next', await next(page))
    keep('filter', await timed(page, () => setHash(page, FILTER), (q) => q.get('sla_light') === 'red' && !q.has('sort')))
    keep('sort', await timed(page, () => setHash(page, 'sort=due'), (q) => q.get('sort') === 'due' && !q.has('sla_light')))
    const row = page.locator('tbody tr[data-ticket-id]').first()
    const id = await row.getAttribute('data-ticket-id')
    const t0 = now()
    await markClick(page)
    await Promise.all([
      page.waitForResponse((x) => x.url().endsWith(`/api/v1/tickets/${id}`) && x.status() === 200),
      row.locator('a').first().click(), // the ticket number's link
    ])
    await page.waitForFunction(() => {
      const done = !!document.querySelector('[data-testid=ticket-status]') && !!document.querySelector('[data-testid=publication-state]')
      if (done) window.__wzRendered = performance.now()
      return done
    }, null, { polling: 'raf' })
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
    s.open.push(await page.evaluate(() => window.__wzRendered - window.__wzStart))
    ;(s.wall.open ??= []).push(now() - t0)
    await ctx.close()
    log(`${user} #${i + 1}: login ${s.login.at(-1).toFixed(0)} ms, next ${s.next.at(-1).toFixed(0)}, ` +
      `filter ${s.filter.at(-1).toFixed(0)}, sort ${s.sort.at(-1).toFixed(0)}, open ${s.open.at(-1).toFixed(0)}`)
  }
  results.users[user] = s
}

// one queue page's bytes, and the heap while paging (the first user: the one with the most tickets)
{
  const user = USERS[0]
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  const { page, resp } = await login(ctx, user)
  const sizes = await resp.request().sizes()
  const body = await resp.body()
  results.page = {
    user, rows: (await resp.json()).items.length, transferred: sizes.responseBodySize + sizes.responseHeadersSize,
    body: body.length, encoding: (await resp.allHeaders())['content-encoding'] ?? 'identity',
  }
  const cdp = await ctx.newCDPSession(page)
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage')
    await cdp.send('HeapProfiler.collectGarbage')
    return (await cdp.send('Runtime.getHeapUsage')).usedSize
  }
  const points = [await heap()]
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < HEAP_PAGES; i++) await next(page)
    points.push(await heap())
  }
  const dom = await page.evaluate(() => document.getElementsByTagName('*').length)
  results.heap = { user, pages: HEAP_PAGES, used: points, dom }
  log(`heap: ${points.map((b) => (b / 1048576).toFixed(2)).join(' -> ')} MiB; one page ${results.page.transferred} bytes`)
  await ctx.close()
}

await browser.close()
writeFileSync(OUT, JSON.stringify(results, null, 1))
