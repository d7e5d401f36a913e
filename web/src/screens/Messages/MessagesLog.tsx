// The message log with its filters, refreshed live as events arrive on the stream.
import { Badge, Button, Group, Select, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { get, qs } from '../../api/client';
import { enc, pkey, projectPath, useIntegrations } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { useEventStream } from '../../api/stream';
import type { Message, Page as ApiPage } from '../../api/types';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { Page } from '../../components/Page';
import { statusColor } from '../../components/StatusChips';

const STATUSES = ['queued', 'Dispatched', 'Delivered', 'Failed', 'Rejected', 'Expired', 'Cancelled', 'DELIVERED', 'READ', 'FAILED', 'delivered', 'failed', 'undelivered', 'sent', 'read'];

export function MessagesLog() {
  const pid = useProjectId();
  const qc = useQueryClient();
  const integrations = useIntegrations();
  const [f, setF] = useState({ status: '', channel: '', integration_id: '', customer_id: '', recipient: '', campaign_id: '' });
  const [filters] = useDebouncedValue(f, 250);
  const key = pkey(pid, 'messages', filters);
  const list = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => get<ApiPage<Message>>(projectPath(pid, `/messages${qs({ ...filters, limit: 50, cursor: pageParam })}`)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const live = useEventStream(pid, {}, () => void qc.invalidateQueries({ queryKey: pkey(pid, 'messages') }));
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  const set = (k: keyof typeof f) => (v: string | null) => setF({ ...f, [k]: v ?? '' });
  return (
    <Page title="Messages" description="Every message the hub queued, newest first." actions={<Badge color={live === 'live' ? 'green' : 'gray'} variant="dot">{live}</Badge>}>
      <Group wrap="wrap" align="flex-end">
        <Select label="Status" data={STATUSES} value={f.status || null} onChange={set('status')} clearable searchable w={160} error={fieldError(list.error, 'status')} />
        <Select label="Channel" data={['sms', 'mms', 'whatsapp', 'rcs']} value={f.channel || null} onChange={set('channel')} clearable w={130} />
        <Select label="Integration" data={(integrations.data?.data ?? []).map((i) => ({ value: i.id, label: i.name }))} value={f.integration_id || null} onChange={set('integration_id')} clearable w={180} />
        <TextInput label="Customer id" value={f.customer_id} onChange={(e) => set('customer_id')(e.currentTarget.value)} w={160} />
        <TextInput label="Recipient" value={f.recipient} onChange={(e) => set('recipient')(e.currentTarget.value)} w={160} error={fieldError(list.error, 'recipient')} />
        <TextInput label="Campaign id" value={f.campaign_id} onChange={(e) => set('campaign_id')(e.currentTarget.value)} w={160} />
      </Group>
      <ErrorAlert error={list.error} />
      <ListTable
        label="Messages"
        what="messages"
        minWidth={720}
        loading={list.isPending}
        rows={list.data && rows}
        empty="No messages match these filters."
        columns={['Message', 'Created', 'Channel', 'Recipient', 'Status', 'Parts', 'Body']}
        table={{ striped: true, 'data-testid': 'messages' }}
        row={(m) => (
          <Table.Tr key={m.id} data-testid="message-row">
            <Table.Td>
              <Link href={`/messages/${enc(m.id)}`}>{m.id}</Link>
            </Table.Td>
            <Table.Td>{new Date(m.created_at).toLocaleString()}</Table.Td>
            <Table.Td>{m.channel}</Table.Td>
            <Table.Td>{m.recipient}</Table.Td>
            <Table.Td>
              <Badge color={statusColor(m.status.toLowerCase())} variant="light" data-testid="message-status">
                {m.status}
              </Badge>
            </Table.Td>
            <Table.Td>{m.parts}</Table.Td>
            <Table.Td style={{ maxWidth: 260, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{m.body}</Table.Td>
          </Table.Tr>
        )}
      />
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} w="fit-content">
          Load more
        </Button>
      )}
    </Page>
  );
}
