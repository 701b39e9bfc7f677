// The unit tree in the shapes the pages need. Pure.
export interface UnitLike { id: string; parent_id: string | null; name: string; path: string }

/** Units inside a scope path (`/1/3/`), or all when the path is empty (admins). */
export function unitsInScope<T extends UnitLike>(units: T[], scopePath: string | null | undefined): T[] {
  if (!scopePath) return units
  return units.filter((u) => u.path.startsWith(scopePath))
}

/** Options for a select, ordered as the tree, the name indented by depth. */
export function unitOptions(units: UnitLike[]): { label: string; value: string }[] {
  const sorted = [...units].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))
  const minDepth = Math.min(...sorted.map((u) => u.path.split('/').length), 99)
  return sorted.map((u) => ({ label: `${'　'.repeat(u.path.split('/').length - minDepth)}${u.name}`, value: u.id }))
}

export interface TreeNode { value: string; label: string; children?: TreeNode[] }

/** Nested nodes for TDesign's tree. */
export function unitTree(units: UnitLike[]): TreeNode[] {
  const byParent = new Map<string | null, UnitLike[]>()
  const ids = new Set(units.map((u) => u.id))
  for (const u of units) {
    const p = u.parent_id && ids.has(u.parent_id) ? u.parent_id : null
    if (!byParent.has(p)) byParent.set(p, [])
    byParent.get(p)!.push(u)
  }
  const build = (p: string | null): TreeNode[] =>
    (byParent.get(p) ?? []).sort((a, b) => Number(a.id) - Number(b.id)).map((u) => {
      const children = build(u.id)
      return children.length ? { value: u.id, label: u.name, children } : { value: u.id, label: u.name }
    })
  return build(null)
}
