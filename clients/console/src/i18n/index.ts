import { zhCN } from './zh-CN'

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string
    ? `${P}${K}`
    : T[K] extends readonly string[] ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>
}[keyof T & string]

/** A key of the dictionary, e.g. `queue.title`. */
export type MessageKey = Leaves<typeof zhCN>

const dict: unknown = zhCN

function lookup(key: string): unknown {
  let node: unknown = dict
  for (const part of key.split('.')) {
    if (node == null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

/** The string of `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  const s = lookup(key)
  if (typeof s !== 'string') return key
  if (!vars) return s
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m))
}

/** For dynamic keys from server values (a status, a type): falls back to the raw value. */
export function tv(prefix: string, value: string | null | undefined): string {
  if (value == null || value === '') return zhCN.common.dash
  const s = lookup(`${prefix}.${value}`)
  return typeof s === 'string' ? s : value
}

export function tlist(key: MessageKey): readonly string[] {
  const s = lookup(key)
  return Array.isArray(s) ? s : []
}

