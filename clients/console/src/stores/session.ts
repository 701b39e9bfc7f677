import { defineStore } from 'pinia'
import { ref, computed } from 'vue'
import { api, ok, setTokens, hasTokens, refreshToken, ApiError, type SessionUser } from '@/api/client'
import { pagesFor } from '@/lib/permissions'
import { t } from '@/i18n'

export const useSession = defineStore('session', () => {
  const user = ref<SessionUser | null>(null)
  const pages = computed(() => pagesFor(user.value?.role ?? ''))

  /** Loads GET /me when a session is stored; false when there is none (or it ended). */
  async function restore(): Promise<boolean> {
    if (user.value) return true
    if (!hasTokens()) return false
    try {
      const me = await ok(api.GET('/api/v1/me'))
      user.value = me.user
      return true
    } catch {
      setTokens(null)
      return false
    }
  }

  async function login(username: string, password: string): Promise<void> {
    const s = await ok(api.POST('/api/v1/auth/login', { body: { username, password } }))
    if (s.user.role === 'citizen') throw new ApiError(403, 'forbidden', t('login.citizenRefused'))
    setTokens({ access: s.access_token, refresh: s.refresh_token })
    const me = await ok(api.GET('/api/v1/me'))
    user.value = me.user
  }

  async function logout(): Promise<void> {
    const rt = refreshToken()
    if (rt) {
      try { await api.POST('/api/v1/auth/logout', { body: { refresh_token: rt } }) } catch { /* gone anyway */ }
    }
    setTokens(null)
    user.value = null
  }

  function forget(): void { user.value = null }

  return { user, pages, restore, login, logout, forget }
})
