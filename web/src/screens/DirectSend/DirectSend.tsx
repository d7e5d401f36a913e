// Direct-send receipts: delivery reports of batches sent straight through Sinch land on the
// ingest URL; the app key in it can be rotated; refused reports are listed.
import { Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { get, post } from '../../api/client';
import { pkey, projectPath } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import type { DirectIngest, Page as ApiPage, Rejection } from '../../api/types';
import { CopyField } from '../../components/CopyField';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { ADMIN_ONLY, Page } from '../../components/Page';

export function DirectSend() {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const ingest = useQuery({ queryKey: pkey(pid, 'ingest'), queryFn: () => get<DirectIngest>(projectPath(pid, '/ingest/sinch')) });
  const rejections = useQuery({ queryKey: pkey(pid, 'ingest', 'rejections'), queryFn: () => get<ApiPage<Rejection>>(projectPath(pid, '/ingest/sinch/rejections?limit=200')) });
  const rotate = useMutation({
    mutationFn: () => post(projectPath(pid, '/app-key/rotate')),
    onSuccess: async () => {
      setConfirm(false);
      await qc.invalidateQueries({ queryKey: pkey(pid) });
    },
  });
  return (
    <Page title="Direct-send receipts" description="Delivery reports of messages sent straight through Sinch, outside the hub, recorded on customer profiles.">
      <ErrorAlert error={ingest.error} />
      {ingest.data && (
        <Stack maw={720}>
          <CopyField label="Ingest URL" value={ingest.data.url} description="Set it as the callback URL of batches you send straight through Sinch." />
          <Text size="sm">
            {ingest.data.deliveries_tracked} deliveries tracked · {ingest.data.profiles_created} profiles created · {ingest.data.rejections} reports rejected
          </Text>
          <Group>
            <Button variant="outline" color="orange" onClick={() => setConfirm(true)} disabled={!isAdmin} w="fit-content">
              Rotate app key
            </Button>
            {!isAdmin && <Text size="sm" c="dimmed">{ADMIN_ONLY}</Text>}
          </Group>
        </Stack>
      )}
      <Modal opened={confirm} onClose={() => setConfirm(false)} closeButtonProps={{ 'aria-label': 'Close' }} title="Rotate the app key?">
        <Stack>
          <Text size="sm">The current ingest URL stops working at once: reports sent to it are refused until every batch uses the new URL.</Text>
          <ErrorAlert error={rotate.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => rotate.mutate()} loading={rotate.isPending}>
              Rotate
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Text fw={600}>Rejected reports</Text>
      <ErrorAlert error={rejections.error} />
      <ListTable
        label="Rejected reports"
        what="rejections"
        minWidth={600}
        loading={rejections.isPending}
        rows={rejections.data?.data}
        empty="No rejected reports."
        columns={['Received', 'Reason', 'Batch', 'Body']}
        row={(r) => (
          <Table.Tr key={r.id}>
            <Table.Td>{new Date(r.received_at).toLocaleString()}</Table.Td>
            <Table.Td>{r.reason}</Table.Td>
            <Table.Td>{r.batch_id ?? '—'}</Table.Td>
            <Table.Td style={{ maxWidth: 280, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{r.body}</Table.Td>
          </Table.Tr>
        )}
      />
    </Page>
  );
}
