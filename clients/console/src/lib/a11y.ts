// `v-label="'用户名'"`: TDesign renders its own <input>/<textarea> inside a wrapper and passes
// no attributes to it, so screen readers (and tests using getByLabel) would find it unnamed.
// The directive names the inner control with aria-label once mounted and after each update.
import type { Directive } from 'vue'

function apply(el: HTMLElement, label: unknown) {
  if (typeof label !== 'string' || !label) return
  const controls = el.matches('input,textarea,select')
    ? [el]
    : Array.from(el.querySelectorAll<HTMLElement>('input:not([type=hidden]),textarea,select'))
  const target = controls[0]
  if (target && target.getAttribute('aria-label') !== label) target.setAttribute('aria-label', label)
}

export const vLabel: Directive<HTMLElement, string> = {
  mounted(el, b) { apply(el, b.value); queueMicrotask(() => apply(el, b.value)) },
  updated(el, b) { apply(el, b.value) },
}

declare module 'vue' {
  interface GlobalDirectives { vLabel: typeof vLabel }
}
