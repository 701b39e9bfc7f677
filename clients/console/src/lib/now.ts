// One clock for every SLA cell: ticks every minute (aligned to the minute), so "time left"
// re-renders without a timer per row.
import { ref, type Ref } from 'vue'

const now = ref(Date.now())
let started = false

export function useNow(): Ref<number> {
  if (!started) {
    started = true
    const tick = () => {
      now.value = Date.now()
      window.setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50)
    }
    window.setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50)
  }
  return now
}
