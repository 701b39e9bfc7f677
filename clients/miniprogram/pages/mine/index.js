// 我的留言: the citizen's tickets, newest first, each with its status and the promised reply date;
// replied ones ask for a rating. Refreshed whenever the tab is shown.
const s = require('../../utils/strings')
const labels = require('../../utils/labels')

function api() {
  return getApp().globalData.api
}

Component({
  data: { s, state: 'loading', error: '', items: [], cursor: null, more: false },
  methods: {
    onShow() {
      return this.refresh()
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    refresh() {
      if (!this.data.items.length) this.setData({ state: 'loading' })
      this.setData({ error: '' })
      const a = api()
      return a
        .ensureLogin()
        .then(() => a.myTickets({ limit: 20 }))
        .then((page) => this.setData({ state: 'list', items: page.items.map(labels.ticketView), cursor: page.next_cursor }))
        .catch((e) => this.setData({ state: 'error', error: e.message }))
    },
    loadMore() {
      if (!this.data.cursor || this.data.more) return Promise.resolve()
      this.setData({ more: true, error: '' })
      return api()
        .myTickets({ limit: 20, cursor: this.data.cursor })
        .then((page) =>
          this.setData({ more: false, items: this.data.items.concat(page.items.map(labels.ticketView)), cursor: page.next_cursor }))
        .catch((e) => this.setData({ more: false, error: e.message }))
    },
    open(e) {
      wx.navigateTo({ url: '/pages/detail/index?id=' + e.currentTarget.dataset.id })
    },
    goAsk() {
      wx.switchTab({ url: '/pages/ask/index' })
    },
  },
})
