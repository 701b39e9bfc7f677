// What the console offers to whom (docs/lifecycle.md, docs/security.md). The server decides;
// this only keeps the console from offering what the server would refuse. Pure: unit-tested.

export type Action =
  | 'dispatch' | 'sign' | 'reply' | 'review' | 'return' | 'transfer' | 'extension' | 'extensionDecision'
  | 'supervise' | 'requestInfo' | 'close' | 'merge' | 'reveal'

export interface TicketFacts {
  status: string
  unit_id: string | null
  /** a reply of the ticket waits for review */
  pendingReply: boolean
  /** an extension request waits for a decision */
  pendingExtension: boolean
  /** staff only: still inside the return window (null: unknown, assume yes) */
  inReturnWindow?: boolean | null
}

export interface Caller { role: string; unit_id: string | null }

const OPEN = ['new', 'dispatched', 'accepted', 'waiting_citizen', 'replied']

/** The actions the caller may take on the ticket now. */
export function allowedActions(who: Caller, tk: TicketFacts): Set<Action> {
  const r = who.role
  const s = tk.status
  const a = new Set<Action>()
  const admin = r === 'admin'
  const ownUnit = tk.unit_id != null && tk.unit_id === who.unit_id
  const unitStaff = admin || (r === 'staff' && ownUnit)
  if ((r === 'dispatcher' || admin) && s === 'new') a.add('dispatch')
  if (unitStaff && s === 'dispatched') a.add('sign')
  if (unitStaff && s === 'accepted' && !tk.pendingReply) a.add('reply')
  if ((admin || (r === 'reviewer' && ownUnit)) && s === 'accepted' && tk.pendingReply) a.add('review')
  if ((s === 'dispatched' || s === 'accepted') &&
      (admin || r === 'supervisor' || (r === 'staff' && ownUnit && tk.inReturnWindow !== false))) a.add('return')
  if ((s === 'dispatched' || s === 'accepted') &&
      (admin || r === 'dispatcher' || r === 'supervisor' || (r === 'staff' && ownUnit))) a.add('transfer')
  if (unitStaff && ['dispatched', 'accepted', 'waiting_citizen'].includes(s) && !tk.pendingExtension) a.add('extension')
  if ((admin || r === 'supervisor') && ['dispatched', 'accepted', 'waiting_citizen'].includes(s) && tk.pendingExtension) {
    a.add('extensionDecision')
  }
  if ((admin || r === 'supervisor') && OPEN.includes(s)) a.add('supervise')
  if (unitStaff && s === 'accepted') a.add('requestInfo')
  if ((admin || r === 'dispatcher' || r === 'supervisor') && ['new', 'waiting_citizen', 'replied'].includes(s)) a.add('close')
  if ((admin || r === 'dispatcher' || r === 'supervisor') && ['new', 'dispatched', 'accepted', 'waiting_citizen'].includes(s)) {
    a.add('merge')
  }
  if (['staff', 'reviewer', 'dispatcher', 'supervisor', 'admin'].includes(r)) a.add('reveal')
  return a
}

/**
 * Whether the caller may withhold the ticket from the public board or put it back
 * (`POST /tickets/{id}/publication`): staff and reviewers of the unit holding it, dispatchers and
 * supervisors over it (the ticket page opens only inside the caller's scope), admins; never
 * evaluators. Only a ticket whose citizen consented (`publish`) has anything to withhold.
 */
export function canSetPublication(who: Caller, tk: { unit_id: string | null; publish: boolean }): boolean {
  if (!tk.publish) return false
  const r = who.role
  if (r === 'admin' || r === 'dispatcher' || r === 'supervisor') return true
  return (r === 'staff' || r === 'reviewer') && tk.unit_id != null && tk.unit_id === who.unit_id
}

export type Page = 'queue' | 'dashboard' | 'accounts' | 'admin'
const STAFF_ROLES = ['staff', 'reviewer', 'dispatcher', 'supervisor', 'evaluator', 'admin']

/** The console's pages a role may open (the menu shows only these). */
export function pagesFor(role: string): Set<Page> {
  const p = new Set<Page>()
  if (!STAFF_ROLES.includes(role)) return p
  p.add('queue')
  p.add('accounts')
  if (['evaluator', 'supervisor', 'admin'].includes(role)) p.add('dashboard')
  if (role === 'admin') p.add('admin')
  return p
}
