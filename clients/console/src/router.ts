import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/stores/session'
import type { Page } from '@/lib/permissions'

declare module 'vue-router' {
  interface RouteMeta { page?: Page; public?: boolean }
}

// Hash history: wenzheng serves clients/console/dist as static files with no SPA fallback.
// Every page is its own chunk (lazy), so signing in loads only the login page and the layout.
const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/pages/LoginPage.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/layouts/MainLayout.vue'),
    children: [
      { path: '', redirect: { name: 'queue' } },
      { path: 'queue', name: 'queue', component: () => import('@/pages/QueuePage.vue'), meta: { page: 'queue' } },
      { path: 'tickets/:id', name: 'ticket', component: () => import('@/pages/TicketPage.vue'), meta: { page: 'queue' } },
      { path: 'dashboard', name: 'dashboard', component: () => import('@/pages/DashboardPage.vue'), meta: { page: 'dashboard' } },
      { path: 'accounts', name: 'accounts', component: () => import('@/pages/AccountsPage.vue'), meta: { page: 'accounts' } },
      {
        path: 'admin',
        component: () => import('@/pages/admin/AdminLayout.vue'),
        meta: { page: 'admin' },
        children: [
          { path: '', redirect: { name: 'admin-units' } },
          { path: 'units', name: 'admin-units', component: () => import('@/pages/admin/UnitsAdmin.vue'), meta: { page: 'admin' } },
          { path: 'users', name: 'admin-users', component: () => import('@/pages/admin/UsersAdmin.vue'), meta: { page: 'admin' } },
          { path: 'categories', name: 'admin-categories', component: () => import('@/pages/admin/CategoriesAdmin.vue'), meta: { page: 'admin' } },
          { path: 'routing', name: 'admin-routing', component: () => import('@/pages/admin/RoutingAdmin.vue'), meta: { page: 'admin' } },
          { path: 'sla', name: 'admin-sla', component: () => import('@/pages/admin/SlaAdmin.vue'), meta: { page: 'admin' } },
          { path: 'calendar', name: 'admin-calendar', component: () => import('@/pages/admin/CalendarAdmin.vue'), meta: { page: 'admin' } },
          { path: 'outbox', name: 'admin-outbox', component: () => import('@/pages/admin/OutboxAdmin.vue'), meta: { page: 'admin' } },
          { path: 'inbox', name: 'admin-inbox', component: () => import('@/pages/admin/InboxAdmin.vue'), meta: { page: 'admin' } },
          { path: 'templates', name: 'admin-templates', component: () => import('@/pages/admin/TemplatesAdmin.vue'), meta: { page: 'admin' } },
        ],
      },
      { path: ':rest(.*)*', name: 'notfound', component: () => import('@/pages/NotFound.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHashHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const session = useSession()
  if (!(await session.restore())) return { name: 'login', query: { next: to.fullPath } }
  const page = to.meta.page
  if (page && !session.pages.has(page)) {
    const first = ['queue', 'dashboard', 'accounts'].find((p) => session.pages.has(p as Page))
    return first && first !== page ? { name: first } : { name: 'notfound', params: { rest: ['forbidden'] } }
  }
  return true
})
