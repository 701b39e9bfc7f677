import { createApp } from 'vue'
import { createPinia } from 'pinia'
import TDesign from 'tdesign-vue-next'
import 'tdesign-vue-next/es/style/index.css'
import './styles.css'
import App from './App.vue'
import { router } from './router'
import { setLoggedOutHandler } from './api/client'
import { useSession } from './stores/session'
import { vLabel } from './lib/a11y'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(router).use(TDesign)
app.directive('label', vLabel)
setLoggedOutHandler(() => {
  useSession(pinia).forget()
  if (router.currentRoute.value.name !== 'login') {
    router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
  }
})
app.mount('#app')
