// The mini-program's side of api-core.js: wx.request / wx.uploadFile / wx.downloadFile as the
// transport, wx storage for the session, and sign-in with wx.login.
const core = require('./api-core')

function wxTransport() {
  return {
    request(req) {
      return new Promise((resolve, reject) => {
        wx.request({
          url: req.url,
          method: req.method,
          header: req.headers,
          data: req.body,
          dataType: 'text',
          responseType: 'text',
          timeout: req.timeout,
          success: (res) => resolve({ status: res.statusCode, headers: res.header || {}, data: res.data }),
          fail: (err) => reject(err),
        })
      })
    },
    upload(req) {
      return new Promise((resolve, reject) => {
        wx.uploadFile({
          url: req.url,
          filePath: req.file,
          name: 'file',
          header: req.headers,
          timeout: req.timeout,
          success: (res) => resolve({ status: res.statusCode, headers: res.header || {}, data: res.data }),
          fail: (err) => reject(err),
        })
      })
    },
    download(req) {
      return new Promise((resolve, reject) => {
        wx.downloadFile({
          url: req.url,
          header: req.headers,
          success: (res) => resolve({ status: res.statusCode, headers: res.header || {},
            data: res.statusCode === 200 ? res.tempFilePath : null }),
          fail: (err) => reject(err),
        })
      })
    },
  }
}

function wxStorage() {
  return {
    get: (k) => wx.getStorageSync(k) || null,
    set: (k, v) => wx.setStorageSync(k, v),
    remove: (k) => wx.removeStorageSync(k),
  }
}

function createApi(config) {
  const api = core.createClient({ baseUrl: config.baseUrl, transport: wxTransport(), storage: wxStorage() })
  // a citizen of the mini-program is whoever WeChat says: sign in silently when needed
  api.ensureLogin = function () {
    if (api.signedIn()) return Promise.resolve(api.user())
    return new Promise((resolve, reject) => {
      wx.login({ success: (r) => resolve(r.code), fail: reject })
    }).then((code) => api.loginMiniprogram(code))
  }
  return api
}

module.exports = { createApi, wxTransport, wxStorage }
