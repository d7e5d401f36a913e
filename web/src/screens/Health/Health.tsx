// Health: per integration, what is queued and retrying, in flight, and how sends and webhooks went.
import { Badge, Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';
import { pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import type { IntegrationHealth } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { Page } from '../../components/Page';

const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '—';

export function Health() {
  const pid = useProjectId();
  const health = useQuery({ queryKey: pkey(pid, 'health'), queryFn: () => get<{ data: IntegrationHealth[] }>(projectPath(pid, '/health')), refetchInterval: 5000 });
  return (
    <Page title="Health" description="Queue depth and refusals per integration, refreshed every 5 seconds. Send and refusal counts are since the hub started.">
      <ErrorAlert error={health.error} />
      <ListTable
        label="Integration health"
        what="health"
        minWidth={640}
        loading={health.isPending}
        rows={health.data?.data}
        empty="No integrations."
        columns={['Integration', 'Queued', 'Retrying', 'In flight', 'Sends', 'Webhooks refused']}
        row={(h) => (
          <Table.Tr key={h.integration_id}>
            <Table.Td>{h.name}</Table.Td>
            <Table.Td>
              <Badge color={h.queued > 1000 ? 'orange' : 'gray'} variant="light">
                {h.queued}
              </Badge>
            </Table.Td>
            <Table.Td>{h.retrying}</Table.Td>
            <Table.Td>{h.in_flight}</Table.Td>
            <Table.Td>{counts(h.sends)}</Table.Td>
            <Table.Td>{counts(h.webhooks_refused)}</Table.Td>
          </Table.Tr>
        )}
      />
    </Page>
  );
}
