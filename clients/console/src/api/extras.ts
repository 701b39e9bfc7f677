// The console's own endpoints (reply templates, revealing a contact, the event stream's
// payload), typed from api/openapi.yaml like everything else.
import { api, ok, ApiError, type Schemas } from './client'

export type ReplyTemplate = Schemas['ReplyTemplate']
export type ReplyTemplateInput = Schemas['ReplyTemplateInput']
export type TicketStreamEvent = Schemas['TicketStreamEvent']

export const listReplyTemplates = () => ok(api.GET('/api/v1/reply-templates'))
export const createReplyTemplate = (b: ReplyTemplateInput) =>
  ok(api.POST('/api/v1/reply-templates', { body: b as Schemas['ReplyTemplateCreate'] }))
export const updateReplyTemplate = (id: string, b: ReplyTemplateInput) =>
  ok(api.PATCH('/api/v1/reply-templates/{id}', { params: { path: { id } }, body: b }))
export const deleteReplyTemplate = (id: string) =>
  ok(api.DELETE('/api/v1/reply-templates/{id}', { params: { path: { id } } }))

export const revealContact = (ticketId: string, reason: string) =>
  ok(api.POST('/api/v1/tickets/{id}/reveal', { params: { path: { id: ticketId } }, body: { reason } }))

/** A 404 (or 405) from a server that does not have the endpoint (an older server). */
export function isMissingEndpoint(e: unknown): boolean {
  return e instanceof ApiError && ((e.status === 404 && e.serverMessage === 'no such endpoint') ||
    e.status === 405)
}
