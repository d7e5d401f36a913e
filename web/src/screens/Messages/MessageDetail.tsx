import { Alert, Code, Grid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { get, text } from '../../api/client';
import { enc, pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { useEventStream } from '../../api/stream';
import type { HubEvent, Message, SendAttempt } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading, Page } from '../../components/Page';
import { StatusChips } from '../../components/StatusChips';

export function MessageDetail({ id }: { id: string }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const key = pkey(pid, 'message', id);
  const msg = useQuery({ queryKey: key, queryFn: () => get<Message & { events: HubEvent[]; send_attempts: SendAttempt[] }>(projectPath(pid, `/messages/${enc(id)}`)) });
  useEventStream(pid, { message_id: id }, () => void qc.invalidateQueries({ queryKey: key }));
  if (msg.isPending) return <Loading what="the message" />;
  if (!msg.data) return <ErrorAlert error={msg.error} />;
  const m = msg.data;
  const facts: [string, React.ReactNode][] = [
    ['Status', m.status],
    ['Dispatch', m.dispatch_state],
    ['Attempts', m.attempts],
    ['Customer', <Link key="c" href={`/customers/${enc(m.customer_id)}`}>{m.customer_id}</Link>],
    ['Recipient', m.recipient],
    ['Sender', m.sender ?? 'provider default'],
    ['Channel', m.channel],
    ['Parts', `${m.parts} (${m.encoding})`],
    ['Integration', <Link key="i" href={`/integrations/${enc(m.integration_id)}`}>{m.integration_id}</Link>],
    ['Provider id', m.provider_message_id ?? '—'],
    ['Campaign', m.campaign_id ?? '—'],
    ['Created', new Date(m.created_at).toLocaleString()],
  ];
  return (
    <Page title={`Message ${m.id}`} description={<StatusChips statuses={m.events.map((e) => text(e.properties.status ?? e.name))} />}>
      {m.possible_duplicate && <Alert color="orange">Sent again after an unknown outcome: the recipient may have it twice.</Alert>}
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Table>
            <Table.Tbody>
              {facts.map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Th scope="row">{k}</Table.Th>
                  <Table.Td>{v}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Title order={2} size="h4">
              Body
            </Title>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{m.body}</Text>
            <Title order={2} size="h4">
              Send attempts
            </Title>
            {m.send_attempts.length === 0 ? (
              <Text c="dimmed">None yet.</Text>
            ) : (
              <Table aria-label="Send attempts">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>At</Table.Th>
                    <Table.Th>Integration</Table.Th>
                    <Table.Th>Outcome</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Error</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {m.send_attempts.map((a, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{new Date(a.at).toLocaleString()}</Table.Td>
                      <Table.Td>
                        <Link href={`/integrations/${enc(a.integration_id)}`}>{a.integration_id}</Link>
                      </Table.Td>
                      <Table.Td>{a.outcome === 'rerouted' ? 'moved to the next integration (failover)' : a.outcome}</Table.Td>
                      <Table.Td>{a.status_code ?? '—'}</Table.Td>
                      <Table.Td>{a.error ?? '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Title order={2} size="h4">
              Last error
            </Title>
            {m.last_error ? <Code block>{JSON.stringify(m.last_error, null, 2)}</Code> : <Text c="dimmed">None.</Text>}
            <Title order={2} size="h4">
              Events
            </Title>
            {m.events.map((e) => (
              <Code block key={e.id}>
                {JSON.stringify({ at: new Date(e.timestamp * 1000).toISOString(), ...e.properties }, null, 2)}
              </Code>
            ))}
          </Stack>
        </Grid.Col>
      </Grid>
    </Page>
  );
}
