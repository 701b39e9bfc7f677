// Endpoints being added to the server on main and not yet in api/openapi.yaml. These calls are
// real (no stubs): until the server has them they answer 404 and the pages say so. Once
// api/openapi.yaml carries them, `npm run gen:api` and move these to the typed `api` client.
import { rawJson, ApiError } from './client'

export interface ReplyTemplate { id: string; unit_id: string | null; title: string; body: string }
export interface ReplyTemplateInput { unit_id?: string | null; title?: string; body?: string }

export const listReplyTemplates = () =>
  rawJson<{ items: ReplyTemplate[] }>('GET', '/api/v1/reply-templates')
export const createReplyTemplate = (b: ReplyTemplateInput) =>
  rawJson<{ template: ReplyTemplate }>('POST', '/api/v1/reply-templates', b)
export const updateReplyTemplate = (id: string, b: ReplyTemplateInput) =>
  rawJson<{ template: ReplyTemplate }>('PATCH', `/api/v1/reply-templates/${encodeURIComponent(id)}`, b)
export const deleteReplyTemplate = (id: string) =>
  rawJson<void>('DELETE', `/api/v1/reply-templates/${encodeURIComponent(id)}`)

export const revealContact = (ticketId: string, reason: string) =>
  rawJson<{ contact: string }>('POST', `/api/v1/tickets/${encodeURIComponent(ticketId)}/reveal`, { reason })

/** One event of GET /api/v1/events/stream. */
export interface TicketStreamEvent {
  event_id: string
  ticket_id: string
  action: string
  from_status: string | null
  to_status: string | null
  unit_id: string | null
  at: string
}

/** A 404 (or 405) from an endpoint the server does not have yet. */
export function isMissingEndpoint(e: unknown): boolean {
  return e instanceof ApiError && ((e.status === 404 && e.serverMessage === 'no such endpoint') ||
    e.status === 405)
}
