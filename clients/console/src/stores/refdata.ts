// Reference data every page needs (units, accounts, categories, the working calendar), loaded
// once per session and on demand again after an admin change.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { api, ok, type Schemas } from '@/api/client'
import { makeCalendar, type WorkCalendar } from '@/lib/sla'

export const useRefData = defineStore('refdata', () => {
  const units = shallowRef<Schemas['Unit'][]>([])
  const accounts = shallowRef<Schemas['Account'][]>([])
  const categories = shallowRef<Schemas['Category'][]>([])
  const calendar = shallowRef<WorkCalendar>(makeCalendar(undefined, undefined))
  const loaded = ref(false)
  let loading: Promise<void> | null = null

  async function loadAll(force = false): Promise<void> {
    if (loaded.value && !force) return
    if (loading) return loading
    loading = (async () => {
      const [u, a, c, cal] = await Promise.allSettled([
        ok(api.GET('/api/v1/units')),
        ok(api.GET('/api/v1/accounts')),
        ok(api.GET('/api/v1/categories')),
        ok(api.GET('/api/v1/calendar', {})),
      ])
      if (u.status === 'fulfilled') units.value = u.value.items
      if (a.status === 'fulfilled') accounts.value = a.value.items
      if (c.status === 'fulfilled') categories.value = c.value.items
      if (cal.status === 'fulfilled') calendar.value = makeCalendar(cal.value.working_periods, cal.value.days)
      loaded.value = true
    })().finally(() => { loading = null })
    return loading
  }

  function unitName(id: string | null | undefined): string {
    if (!id) return ''
    return units.value.find((u) => u.id === id)?.name ?? id
  }

  return { units, accounts, categories, calendar, loaded, loadAll, unitName }
})
