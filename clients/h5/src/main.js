import { createApp } from 'vue'
import { createRouter, createWebHashHistory } from 'vue-router'
import App from './App.vue'
import { api } from './api.js'
import Login from './pages/Login.vue'
import Ask from './pages/Ask.vue'
import Mine from './pages/Mine.vue'
import Detail from './pages/Detail.vue'
import Board from './pages/Board.vue'
import './style.css'

const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: Ask, meta: { auth: true } },
    { path: '/login', component: Login },
    { path: '/mine', component: Mine, meta: { auth: true } },
    { path: '/tickets/:id', component: Detail, meta: { auth: true }, props: true },
    { path: '/board', component: Board },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

// a citizen not signed in sees the phone + code step first, then where they were going
router.beforeEach((to) => {
  if (to.meta.auth && !api.signedIn()) return { path: '/login', query: { next: to.fullPath } }
  return true
})

createApp(App).use(router).mount('#app')
