// Customers: find one by customer id or phone, or add one.
import { Button, Group, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError, get, post, qs } from '../../api/client';
import { enc, pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import type { Customer, Page as ApiPage } from '../../api/types';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { Empty, Page } from '../../components/Page';

const looksLikePhone = (s: string) => /^\+?[0-9 ()-]{6,}$/.test(s);

/** By id first, then by phone (the hub matches any notation of the number). */
async function findCustomer(pid: string, q: string): Promise<Customer | null> {
  try {
    return await get<Customer>(projectPath(pid, `/customers/${enc(q)}`));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    if (!looksLikePhone(q)) return null;
  }
  try {
    const page = await get<ApiPage<Customer>>(projectPath(pid, `/customers${qs({ phone: q, limit: 1 })}`));
    return page.data[0] ?? null;
  } catch (e) {
    // Not a number the hub can read: nobody has it.
    if (e instanceof ApiError && e.status === 400) return null;
    throw e;
  }
}

export function CustomerSearch() {
  const pid = useProjectId();
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState<string | null>(null);
  const recent = useQuery({ queryKey: pkey(pid, 'customers'), queryFn: () => get<ApiPage<Customer>>(projectPath(pid, '/customers?limit=20')) });
  const search = useMutation({
    mutationFn: (q: string) => findCustomer(pid, q),
    onSuccess: (c, q) => (c ? navigate(`/customers/${enc(c.customer_id)}`) : setSearched(q)),
  });
  const [form, setForm] = useState({ customer_id: '', phone: '' });
  const add = useMutation({
    mutationFn: () => post<Customer>(projectPath(pid, '/customers'), { customer_id: form.customer_id, ...(form.phone ? { phone: form.phone } : {}) }),
    onSuccess: async (c) => {
      await qc.invalidateQueries({ queryKey: pkey(pid, 'customers') });
      navigate(`/customers/${enc(c.customer_id)}`);
    },
  });
  return (
    <Page title="Customers" description="Profiles, consent, their events and the conversation with each.">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) search.mutate(query.trim());
        }}
      >
        <Group align="flex-end">
          <TextInput label="Search by customer id or phone" value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={320} />
          <Button type="submit" loading={search.isPending}>
            Search
          </Button>
        </Group>
      </form>
      <ErrorAlert error={search.error} />
      {searched && !search.isPending && <Empty>No customer with id or phone “{searched}”.</Empty>}
      <Title order={2} size="h4">
        Add a customer
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <TextInput label="Customer id" required value={form.customer_id} onChange={(e) => setForm({ ...form, customer_id: e.currentTarget.value })} error={fieldError(add.error, 'customer_id')} />
          <TextInput label="Phone" description="E.164, e.g. +46700000001" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })} error={fieldError(add.error, 'phone')} />
          <Button type="submit" loading={add.isPending}>
            Add customer
          </Button>
        </Group>
      </form>
      <ErrorAlert error={add.error} />
      <Title order={2} size="h4">
        Recent profiles
      </Title>
      <ErrorAlert error={recent.error} />
      <ListTable
        label="Recent profiles"
        what="customers"
        minWidth={400}
        loading={recent.isPending}
        rows={recent.data?.data}
        empty="No customers yet."
        columns={['Customer id', 'Phone', 'Updated']}
        row={(c) => (
          <Table.Tr key={c.customer_id}>
            <Table.Td>
              <Link href={`/customers/${enc(c.customer_id)}`}>{c.customer_id}</Link>
            </Table.Td>
            <Table.Td>{c.phone ?? '—'}</Table.Td>
            <Table.Td>{new Date(c.updated_at).toLocaleString()}</Table.Td>
          </Table.Tr>
        )}
      />
    </Page>
  );
}
