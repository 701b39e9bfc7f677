// 留言详情: status, the promised date, photos, the unit's replies and requests for information, the
// timeline, the rating form while the ticket waits for one (replied), and a follow-up while the
// unit works on it. Opened from 我的留言 and from the reply's subscribe message (?id=).
const s = require('../../utils/strings')
const labels = require('../../utils/labels')

function api() {
  return getApp().globalData.api
}

function emptyRating() {
  return { resolved: null, satisfaction: '', comment: '' }
}

Component({
  data: {
    s,
    state: 'loading',
    error: '',
    ticket: null,
    view: null,
    steps: [],
    replies: [],
    requests: [],
    images: [],
    publication: '',
    canRate: false,
    canFollowUp: false,
    ratedText: '',
    satisfaction: labels.SATISFACTION,
    rating: emptyRating(),
    rateError: '',
    followUp: '',
    followError: '',
    busy: false,
  },
  methods: {
    onLoad(options) {
      this.id = (options && options.id) || ''
      return this.load()
    },

    load() {
      this.setData({ state: this.data.ticket ? 'ready' : 'loading', error: '' })
      const a = api()
      return a
        .ensureLogin()
        .then(() => a.ticket(this.id))
        .then((t) => this.show(t))
        .catch((e) => this.setData({ state: 'error', error: e.message }))
    },

    show(t) {
      const r = t.rating
      this.setData({
        state: 'ready',
        ticket: t,
        view: labels.ticketView(t),
        steps: labels.timeline(t.events),
        replies: (t.replies || []).map((x) => ({ id: x.id, content: x.content, time: labels.formatTime(x.published_at || x.created_at) })),
        requests: (t.messages || []).filter((m) => m.kind === 'request_info' && t.status === 'waiting_citizen'),
        publication: t.publication ? labels.PUBLICATION[t.publication.state] + (t.publication.reason ? '（' + t.publication.reason + '）' : '') : '',
        canRate: labels.canRate(t),
        canFollowUp: labels.canFollowUp(t),
        ratedText: r ? labels.label(labels.SATISFACTION, r.satisfaction) + ' · ' + (r.resolved ? s.detail.resolvedYes : s.detail.resolvedNo) : '',
        images: (t.attachments || []).map((x) => ({ id: x.id, path: '', failed: false })),
      })
      return this.loadImages()
    },

    /* Photos need the bearer token: downloaded (wx.downloadFile with the header), shown from the temp file. */
    loadImages() {
      const a = api()
      return Promise.all(
        this.data.images.map((img, i) =>
          a.image(img.id).then(
            (path) => this.setData({ ['images[' + i + '].path']: path }),
            () => this.setData({ ['images[' + i + '].failed']: true })
          )
        )
      )
    },

    preview(e) {
      const img = this.data.images[e.currentTarget.dataset.index]
      if (img.failed) return this.loadImages()
      const urls = this.data.images.filter((x) => x.path).map((x) => x.path)
      if (img.path) wx.previewImage({ current: img.path, urls })
      return undefined
    },

    onResolved(e) {
      this.setData({ 'rating.resolved': e.currentTarget.dataset.value === 'yes', rateError: '' })
    },
    onSatisfaction(e) {
      this.setData({ 'rating.satisfaction': e.currentTarget.dataset.value, rateError: '' })
    },
    onComment(e) {
      this.setData({ 'rating.comment': e.detail.value })
    },

    rate() {
      const r = this.data.rating
      if (!r.satisfaction || r.resolved === null) {
        this.setData({ rateError: !r.satisfaction ? s.detail.needSatisfaction : s.detail.resolved })
        return Promise.resolve()
      }
      const body = { resolved: r.resolved, satisfaction: r.satisfaction }
      if (r.comment.trim()) body.comment = r.comment.trim()
      this.setData({ busy: true, rateError: '' })
      return api()
        .rate(this.id, body)
        .then(() => {
          this.setData({ busy: false, rating: emptyRating() })
          wx.showToast({ title: s.detail.thanks, icon: 'success' })
          return this.load()
        })
        .catch((e) => this.setData({ busy: false, rateError: e.message }))
    },

    onFollowUp(e) {
      this.setData({ followUp: e.detail.value, followError: '' })
    },
    sendFollowUp() {
      if (!this.data.followUp.trim()) {
        this.setData({ followError: s.detail.needFollowUp })
        return Promise.resolve()
      }
      this.setData({ busy: true })
      return api()
        .followUp(this.id, this.data.followUp)
        .then(() => {
          this.setData({ busy: false, followUp: '' })
          wx.showToast({ title: s.detail.followUpSent, icon: 'success' })
          return this.load()
        })
        .catch((e) => this.setData({ busy: false, followError: e.message }))
    },

    back() {
      wx.navigateBack({ fail: () => wx.switchTab({ url: '/pages/mine/index' }) })
    },
  },
})
