const config = require('./config')
const { createApi } = require('./utils/api')

App({
  globalData: { api: null, config },
  onLaunch() {
    this.globalData.api = createApi(config)
  },
})
