// Where the mini-program finds the Wenzheng server (docs/miniprogram.md). WeChat only lets a
// released mini-program call HTTPS domains listed under 开发管理 -> 服务器域名 (request, uploadFile
// and downloadFile); in DevTools tick 不校验合法域名 to use a development server over http.
module.exports = {
  baseUrl: 'http://127.0.0.1:8080',
  // the page a reply's subscribe message opens (the server's miniprogram.reply_page)
  replyPage: 'pages/detail/index',
}
