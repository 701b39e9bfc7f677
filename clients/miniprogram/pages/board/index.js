// 公开答复: questions whose citizens agreed to publication, with the reply, masked by the server
// and without contact data; searchable by text and filtered by department and type. No sign-in.
const s = require('../../utils/strings')
const labels = require('../../utils/labels')

function api() {
  return getApp().globalData.api
}

function itemView(x) {
  return Object.assign({}, x, { typeLabel: labels.label(labels.TYPES, x.type), repliedAt: labels.formatDate(x.replied_at), open: false })
}

Component({
  data: {
    s,
    state: 'loading',
    error: '',
    q: '',
    units: [],
    unitNames: [s.board.allUnits],
    unitIndex: 0,
    typeNames: [s.board.allTypes].concat(labels.TYPES.map((t) => t.label)),
    typeIndex: 0,
    items: [],
    cursor: null,
    more: false,
  },
  methods: {
    onLoad() {
      const a = api()
      // the department filter needs the unit list (a signed-in call); the board works without it
      const units = a.publicUnits().catch(() => [])
      return Promise.all([units, this.search()]).then(([list]) =>
        this.setData({ units: list, unitNames: [s.board.allUnits].concat(list.map((u) => u.name)) }))
    },
    params() {
      const p = { limit: 20 }
      if (this.data.q.trim()) p.q = this.data.q.trim()
      if (this.data.unitIndex > 0) p.unit_id = this.data.units[this.data.unitIndex - 1].id
      if (this.data.typeIndex > 0) p.type = labels.TYPES[this.data.typeIndex - 1].value
      return p
    },
    search() {
      this.setData({ state: 'loading', error: '' })
      return api()
        .publicReplies(this.params())
        .then((page) => this.setData({ state: 'list', items: page.items.map(itemView), cursor: page.next_cursor }))
        .catch((e) => this.setData({ state: 'error', error: e.message }))
    },
    loadMore() {
      if (!this.data.cursor || this.data.more) return Promise.resolve()
      this.setData({ more: true, error: '' })
      return api()
        .publicReplies(Object.assign(this.params(), { cursor: this.data.cursor }))
        .then((page) => this.setData({ more: false, items: this.data.items.concat(page.items.map(itemView)), cursor: page.next_cursor }))
        .catch((e) => this.setData({ more: false, error: e.message }))
    },
    onQuery(e) {
      this.setData({ q: e.detail.value })
    },
    onClear() {
      this.setData({ q: '' })
      return this.search()
    },
    onUnit(e) {
      this.setData({ unitIndex: Number(e.detail.value) })
      return this.search()
    },
    onType(e) {
      this.setData({ typeIndex: Number(e.detail.value) })
      return this.search()
    },
    toggle(e) {
      const i = e.currentTarget.dataset.index
      this.setData({ ['items[' + i + '].open']: !this.data.items[i].open })
    },
  },
})
