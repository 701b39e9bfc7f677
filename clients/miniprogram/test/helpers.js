// Simulator test helpers: load a page (built with Component()) with its TDesign components from
// miniprogram_npm, and a wx stub that answers wx.request / uploadFile / downloadFile by route, so
// pages run the real api-core.js through the real wx transport (utils/api.js).
const path = require('path')
const simulate = require('miniprogram-simulate')
const { createApi } = require('../utils/api')

const ROOT = path.resolve(__dirname, '..')

function ticket(over = {}) {
  return Object.assign({
    id: '101', no: 'WZ20261123000042', status: 'dispatched', type: 'help', priority: 'normal', category_id: null,
    title: '路灯不亮', content: '小区门口路灯坏了', channel: 'miniprogram', account_id: '3', account_name: '示范问政小程序',
    unit_id: '3', unit_name: '示范市住房和城乡建设局', citizen_name: '', contact: '138****5678', sla_light: 'green',
    received_at: '2026-11-23T02:05:00Z', promised_reply_at: '2026-12-07T09:30:00Z', replied_at: null,
    closed_at: null, close_reason: null, location: null, attachments: [], publish: false,
    publication: { state: 'not_consented', reason: null },
  }, over)
}

/**
 * stubWx(routes): routes['GET /api/v1/units'] = {status, data} or a function(req) returning one.
 * Returns the log of calls. Unrouted requests answer 404 (and are logged).
 */
function stubWx(routes = {}) {
  const calls = []
  const storage = {}
  const answer = (key, req) => {
    const r = routes[key]
    const res = typeof r === 'function' ? r(req) : r
    return res || { status: 404, data: { error: { code: 'not_found', message: 'no route ' + key } } }
  }
  const respond = (res, opts, extra = {}) => {
    const done = () => {
      if (res.fail) opts.fail && opts.fail({ errMsg: res.fail })
      else opts.success && opts.success(Object.assign({ statusCode: res.status, header: res.header || {},
        data: typeof res.data === 'string' ? res.data : JSON.stringify(res.data) }, extra))
    }
    setTimeout(done, 0)
  }
  global.wx = Object.assign(global.wx || {}, {
    request(opts) {
      const key = `${opts.method} ${opts.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]}`
      const req = { key, url: opts.url, header: opts.header, body: opts.data ? JSON.parse(opts.data) : undefined }
      calls.push(req)
      respond(answer(key, req), opts)
    },
    uploadFile(opts) {
      const req = { key: 'UPLOAD', url: opts.url, filePath: opts.filePath, name: opts.name, header: opts.header }
      calls.push(req)
      respond(answer('UPLOAD', req), opts)
    },
    downloadFile(opts) {
      const req = { key: 'DOWNLOAD', url: opts.url, header: opts.header }
      calls.push(req)
      const res = answer('DOWNLOAD', req)
      respond(res, opts, { tempFilePath: res.tempFilePath })
    },
    login(opts) {
      calls.push({ key: 'wx.login' })
      setTimeout(() => opts.success({ code: 'code-from-wx-login' }), 0)
    },
    getStorageSync: (k) => (k in storage ? storage[k] : ''),
    setStorageSync: (k, v) => { storage[k] = v },
    removeStorageSync: (k) => { delete storage[k] },
    showToast: (o) => calls.push({ key: 'wx.showToast', title: o.title }),
    switchTab: (o) => calls.push({ key: 'wx.switchTab', url: o.url }),
    navigateTo: (o) => calls.push({ key: 'wx.navigateTo', url: o.url }),
    stopPullDownRefresh: () => {},
  })
  return calls
}

const session = { access_token: 'a.b.c', token_type: 'Bearer', expires_in: 900, refresh_token: 'r'.repeat(43),
  refresh_expires_in: 2592000, user: { id: '7', role: 'citizen' } }

/** A fresh app (the real api over the stubbed wx), then the page loaded and attached. */
const loaded = {}
function loadPage(name) {
  global.__app.globalData.api = createApi({ baseUrl: 'http://wz.test' })
  // a page's script runs once per test file (require caches it): load once, render per test
  loaded[name] = loaded[name] || simulate.load(path.join(ROOT, 'pages', name, 'index'), { rootPath: ROOT })
  const page = simulate.render(loaded[name])
  page.attach(document.createElement('parent-wrapper'))
  return page
}

/** Waits until the promises queued by the stubs have settled. */
async function settle(ms = 20) {
  await simulate.sleep(ms)
}

const text = (page, sel) => {
  const el = page.querySelector(sel)
  return el ? el.dom.textContent.replace(/\s+/g, ' ').trim() : null
}

module.exports = { stubWx, loadPage, settle, ticket, session, text, simulate }
