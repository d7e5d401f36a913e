import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { eraseCustomer } from '../../services/customer-erasure.js';
import { getCustomer, listCustomers, patchCustomer, upsertCustomer } from '../../services/customers.js';
import { listEvents } from '../../services/events.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import type { CustomersTable } from '../../store/schema.js';
import { AnyObject, errorResponses, NoContent, Page, PageQuery, pageLimit, pageView, Phone, ProjectParams } from './schemas.js';
import { Event, eventCursor, eventView } from './events.js';

const CustomerId = Type.String({ minLength: 1, maxLength: 256 });
const Customer = Type.Object({
  customer_id: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  attributes: AnyObject,
  created_at: Type.String(),
  updated_at: Type.String(),
});
const Params = Type.Object({ pid: Type.String(), customer_id: CustomerId });

export function customerView(c: CustomersTable) {
  return {
    customer_id: c.customer_id,
    phone: c.phone,
    attributes: JSON.parse(c.attributes) as Record<string, unknown>,
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
  };
}

export const customerRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/projects/:pid/customers', {
    schema: {
      tags: ['customers'],
      operationId: 'upsertCustomer',
      summary: 'Create or update a customer',
      description: 'Creates or updates a customer by customer_id (attributes are merged).',
      params: ProjectParams,
      body: Type.Object({ customer_id: CustomerId, phone: Type.Optional(Type.Union([Phone, Type.Null()])), attributes: Type.Optional(AnyObject) }, { additionalProperties: false }),
      response: { 200: Customer, 201: Customer, ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const { customer, created } = await upsertCustomer(hub.db, req.params.pid, req.body);
    return reply.code(created ? 201 : 200).send(customerView(customer));
  });

  app.get('/projects/:pid/customers', {
    schema: {
      tags: ['customers'],
      operationId: 'listCustomers',
      summary: 'List customers',
      params: ProjectParams,
      querystring: Type.Object({ ...PageQuery, phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'only the customers with this phone (any notation; matched in E.164)' })) }),
      response: { 200: Page(Customer), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const { limit, cursor, phone } = req.query;
    return pageView(await listCustomers(hub.db, req.params.pid, { limit: pageLimit(limit), ...(cursor !== undefined && { after: cursor }), ...(phone !== undefined && { phone }) }), customerView);
  });

  app.get('/projects/:pid/customers/:customer_id', { schema: { tags: ['customers'], operationId: 'getCustomer', summary: 'Get a customer', params: Params, response: { 200: Customer, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return customerView(await getCustomer(hub.db, req.params.pid, req.params.customer_id));
  });

  app.patch('/projects/:pid/customers/:customer_id', {
    schema: {
      tags: ['customers'],
      operationId: 'updateCustomer',
      summary: 'Update a customer',
      description:
        'Changes an existing customer. `attributes` are merged: keys given are set, a key given as null is removed, the others are kept. ' +
        '`phone` sets the number (validated as on create); null clears it. 404 when the customer does not exist.',
      params: Params,
      body: Type.Object({ phone: Type.Optional(Type.Union([Phone, Type.Null()])), attributes: Type.Optional(AnyObject) }, { additionalProperties: false }),
      response: { 200: Customer, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    return customerView(await patchCustomer(hub.db, req.params.pid, req.params.customer_id, req.body));
  });

  app.delete('/projects/:pid/customers/:customer_id', {
    schema: {
      tags: ['customers'],
      operationId: 'eraseCustomer',
      summary: 'Erase a customer',
      description:
        'Erases the customer in one transaction: profile, phone, attributes, consent and its log, the tracked links of their messages; ' +
        'their messages lose recipient, text, content and media, and what was still queued is cancelled; their events stay, anonymised ' +
        '(customer_id becomes an opaque `erased_…` token, phone numbers, texts and URLs removed). See docs/customer-data.md. A second DELETE is 404.',
      params: Params,
      response: { 204: NoContent, ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const erased = await eraseCustomer(hub.db, req.params.pid, req.params.customer_id);
    // What senders hold in memory for them (claimed before the erase committed) is dropped too.
    await hub.dispatcher.dropCustomer(erased.customer_ref, ['sms', 'mms', 'whatsapp', 'rcs']);
    return reply.code(204).send();
  });

  app.get('/projects/:pid/customers/:customer_id/events', {
    schema: { tags: ['customers', 'events'], operationId: 'listCustomerEvents', summary: "List a customer's events", params: Params, querystring: Type.Object(PageQuery), response: { 200: Page(Event), ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const c = await getCustomer(hub.db, req.params.pid, req.params.customer_id);
    return pageView(await listEvents(hub.db, req.params.pid, { customer_ref: c.id, limit: pageLimit(req.query.limit), after: eventCursor(req.query.cursor) }), eventView);
  });
};
