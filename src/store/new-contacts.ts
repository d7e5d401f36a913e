// How a bulk import hands the store its customers: flat arrays of strings, NEW_CONTACT_WIDTH
// values per customer, built in the import's parse thread (which has no database) and written
// by customers.insertUnlessPresent. Plain arrays of strings cross threads cheaply and need no
// object per row on either side. Imports nothing, so the parse thread can load it.

/** The values of one customer, in this order. */
export const NEW_CONTACT_FIELDS = ['id', 'customer_id', 'phone', 'country', 'attributes'] as const;
export const NEW_CONTACT_WIDTH = NEW_CONTACT_FIELDS.length;

/** Where each value sits within a customer's slice. */
export const CONTACT = { id: 0, customer_id: 1, phone: 2, country: 3, attributes: 4 } as const satisfies Record<(typeof NEW_CONTACT_FIELDS)[number], number>;
