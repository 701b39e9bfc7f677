import { createApp } from 'vue'
import { createPinia } from 'pinia'
import {
  Button, Checkbox, ConfigProvider, Content, DateRangePicker, Dialog, Header, ImageViewer, Input, InputNumber, Layout,
  Popconfirm, Progress, RadioButton, RadioGroup, Select, Switch, Table, Tag, Textarea, Tree,
} from 'tdesign-vue-next'
import 'tdesign-vue-next/es/style/index.css'
import './styles.css'
import App from './App.vue'
import { router } from './router'
import { setLoggedOutHandler } from './api/client'
import { useSession } from './stores/session'
import { vLabel } from './lib/a11y'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(router)
// only the TDesign components the console uses (the whole library would triple the bundle)
for (const c of [Button, Checkbox, ConfigProvider, Content, DateRangePicker, Dialog, Header, ImageViewer, Input, InputNumber, Layout,
  Popconfirm, Progress, RadioButton, RadioGroup, Select, Switch, Table, Tag, Textarea, Tree]) app.use(c)
app.directive('label', vLabel)
setLoggedOutHandler(() => {
  useSession(pinia).forget()
  if (router.currentRoute.value.name !== 'login') {
    router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
  }
})
app.mount('#app')
