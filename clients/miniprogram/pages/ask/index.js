// 我要留言: department (or 不确定), type, category, text, photos, location, phone, consent and the
// publication choice; submitted with an Idempotency-Key kept for this draft, so pressing the
// button again after a failure cannot make a second ticket. A page built with Component() so the
// simulator tests can load it.
const s = require('../../utils/strings')
const labels = require('../../utils/labels')

const PHONE_RE = /^[0-9+ -]{5,20}$/
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024

function api() {
  return getApp().globalData.api
}

function emptyForm() {
  return { type: 'consultation', title: '', content: '', phone: '', location: null, consent: false, publish: false }
}

Component({
  data: {
    s,
    state: 'loading', // loading | error | form | done
    error: '',
    types: labels.TYPES,
    units: [],
    unitNames: [s.ask.unitUnsure],
    unitIndex: 0,
    categories: [],
    categoryNames: [s.ask.categoryUnsure],
    categoryIndex: 0,
    form: emptyForm(),
    photos: [], // {path, size, state: uploading|done|failed, id}
    submitting: false,
    result: null,
    templateId: '',
    maxBytes: DEFAULT_MAX_BYTES,
    subscribe: '', // '' | accept | reject
  },

  methods: {
    onLoad() {
      this.key = api().newKey()
      return this.init()
    },

    /* Signs in (wx.login) and loads the departments, categories and the public configuration. */
    init() {
      this.setData({ state: 'loading', error: '' })
      const a = api()
      return a
        .ensureLogin()
        .then(() => Promise.all([a.units(), a.categories(), a.publicConfig().catch(() => null)]))
        .then(([units, categories, config]) => {
          const direct = units.filter((u) => u.accepts_direct)
          this.setData({
            state: 'form',
            units: direct,
            unitNames: [s.ask.unitUnsure].concat(direct.map((u) => u.name)),
            categories,
            categoryNames: [s.ask.categoryUnsure].concat(categories.map((c) => (c.parent_id ? '　' : '') + c.name)),
            templateId: (config && config.miniprogram && config.miniprogram.reply_template_id) || '',
            maxBytes: (config && config.uploads && config.uploads.max_bytes) || DEFAULT_MAX_BYTES,
          })
        })
        .catch((e) => this.setData({ state: 'error', error: e.message || s.ask.loginFailed }))
    },

    onUnit(e) {
      this.setData({ unitIndex: Number(e.detail.value) })
    },
    onType(e) {
      this.setData({ 'form.type': e.currentTarget.dataset.value })
    },
    onCategory(e) {
      this.setData({ categoryIndex: Number(e.detail.value) })
    },
    onTitle(e) {
      this.setData({ 'form.title': e.detail.value })
    },
    onContent(e) {
      this.setData({ 'form.content': e.detail.value, error: '' })
    },
    onPhone(e) {
      this.setData({ 'form.phone': e.detail.value })
    },
    onConsent(e) {
      this.setData({ 'form.consent': !!e.detail.checked, error: '' })
    },
    onPublish(e) {
      this.setData({ 'form.publish': !!e.detail.value })
    },

    choosePhotos() {
      const room = 9 - this.data.photos.length
      if (room <= 0) return Promise.resolve()
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: room,
          mediaType: ['image'],
          sizeType: ['compressed'],
          sourceType: ['album', 'camera'],
          success: (res) => resolve(res.tempFiles || []),
          fail: () => resolve([]),
        })
      }).then((files) => Promise.all(files.map((f) => this.addPhoto(f.tempFilePath, f.size))))
    },

    addPhoto(path, size) {
      if (size > this.data.maxBytes) {
        wx.showToast({ title: s.ask.tooBig, icon: 'none' })
        return Promise.resolve()
      }
      const photos = this.data.photos.concat([{ path, size, state: 'uploading', id: '' }])
      this.setData({ photos })
      return this.upload(path)
    },

    upload(path) {
      const set = (patch) => {
        const photos = this.data.photos.map((p) => (p.path === path ? Object.assign({}, p, patch) : p))
        this.setData({ photos })
      }
      set({ state: 'uploading' })
      return api()
        .uploadImage(path)
        .then((u) => set({ state: 'done', id: u.id }))
        .catch((e) => {
          set({ state: 'failed' })
          wx.showToast({ title: e.message, icon: 'none' })
        })
    },

    /* A failed photo is tried again; an uploaded one is removed. */
    onPhotoTap(e) {
      const p = this.data.photos[e.currentTarget.dataset.index]
      if (!p || p.state === 'uploading') return undefined
      if (p.state === 'failed') return this.upload(p.path)
      this.setData({ photos: this.data.photos.filter((x) => x.path !== p.path) })
      return undefined
    },

    chooseLocation() {
      wx.chooseLocation({
        success: (r) =>
          this.setData({
            'form.location': { latitude: r.latitude, longitude: r.longitude, address: (r.address || r.name || '').slice(0, 200) },
          }),
      })
    },
    clearLocation() {
      this.setData({ 'form.location': null })
    },

    /* The body of POST /messages, or an error text for the form. */
    buildMessage() {
      const f = this.data.form
      if (!f.content.trim()) return { error: s.ask.needContent }
      if (f.phone && !(PHONE_RE.test(f.phone) && f.phone.replace(/[^0-9]/g, '').length >= 5)) return { error: s.ask.badPhone }
      if (!f.consent) return { error: s.ask.needConsent }
      if (this.data.photos.some((p) => p.state === 'uploading')) return { error: s.ask.uploading }
      const doc = { type: f.type, content: f.content, channel: 'miniprogram' }
      if (f.publish) doc.publish = true // absent means false (the server's default)
      if (f.title.trim()) doc.title = f.title.trim()
      if (this.data.unitIndex > 0) doc.unit_id = this.data.units[this.data.unitIndex - 1].id
      if (this.data.categoryIndex > 0) doc.category_id = this.data.categories[this.data.categoryIndex - 1].id
      if (f.phone) doc.contact_phone = f.phone
      if (f.location) doc.location = f.location
      const ids = this.data.photos.filter((p) => p.state === 'done').map((p) => p.id)
      if (ids.length) doc.attachments = ids
      return { doc }
    },

    submit() {
      if (this.data.submitting) return Promise.resolve()
      const built = this.buildMessage()
      if (built.error) {
        this.setData({ error: built.error })
        return Promise.resolve()
      }
      this.setData({ submitting: true, error: '' })
      return api()
        .submitMessage(built.doc, { key: this.key })
        .then((r) => {
          this.key = api().newKey() // the next question is a new submission
          this.setData({ submitting: false, state: 'done', result: labels.ticketView(r.ticket), subscribe: '' })
        })
        .catch((e) => this.setData({ submitting: false, error: e.message }))
    },

    /* Asked on the citizen's tap (WeChat allows the subscribe dialog only then), right after the
       submission, when the server names a template. */
    subscribeReply() {
      const id = this.data.templateId
      if (!id) return
      wx.requestSubscribeMessage({
        tmplIds: [id],
        success: (r) => this.setData({ subscribe: r[id] === 'accept' ? 'accept' : 'reject' }),
        fail: () => this.setData({ subscribe: 'reject' }),
      })
    },

    viewMine() {
      wx.switchTab({ url: '/pages/mine/index' })
    },

    askAgain() {
      this.setData({ state: 'form', form: emptyForm(), photos: [], unitIndex: 0, categoryIndex: 0, result: null, error: '' })
    },
  },
})
