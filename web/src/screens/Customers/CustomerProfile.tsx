import { Badge, Code, Grid, Paper, Stack, Table, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, text } from '../../api/client';
import { enc, pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { useEventStream } from '../../api/stream';
import type { Consent, ConversationEntry, Customer, HubEvent, Page as ApiPage } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Loading, Page } from '../../components/Page';
import { ConsentPanel } from './ConsentPanel';
import { Conversation } from './Conversation';
import { Timeline } from './Timeline';

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

export function CustomerProfile({ customerId }: { customerId: string }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const base = projectPath(pid, `/customers/${enc(customerId)}`);
  const key = (...rest: string[]) => pkey(pid, 'customer', customerId, ...rest);
  const customer = useQuery({ queryKey: key('profile'), queryFn: () => get<Customer>(base) });
  const events = useQuery({ queryKey: key('events'), queryFn: () => get<ApiPage<HubEvent>>(`${base}/events?limit=500`), enabled: customer.isSuccess });
  const consent = useQuery({ queryKey: key('consent'), queryFn: () => get<Consent>(`${base}/consent`), enabled: customer.isSuccess });
  const thread = useQuery({ queryKey: key('conversation'), queryFn: () => get<{ data: ConversationEntry[] }>(`${base}/conversation`), enabled: customer.isSuccess });
  // A new event: append it to the timeline at once, and refetch what it may have changed.
  const live = useEventStream(customer.isSuccess ? pid : null, { customer_id: customerId }, (e) => {
    qc.setQueryData<ApiPage<HubEvent>>(key('events'), (old) => (old && !old.data.some((x) => x.id === e.id) ? { ...old, data: [...old.data, e] } : old));
    void qc.invalidateQueries({ queryKey: key('conversation') });
    void qc.invalidateQueries({ queryKey: key('consent') });
  });
  if (customer.isPending) return <Loading what="the customer" />;
  if (!customer.data) return <ErrorAlert error={customer.error} />;
  const c = customer.data;
  const attrs = Object.entries(c.attributes);
  return (
    <Page
      title={c.customer_id}
      description={c.phone ?? 'no phone number'}
      actions={
        <Badge color={live === 'live' ? 'green' : 'gray'} variant="dot" data-testid="live">
          {live === 'live' ? 'live' : live}
        </Badge>
      }
    >
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack>
            <Section title="Attributes">
              {attrs.length === 0 ? (
                <Empty>No attributes.</Empty>
              ) : (
                <Table>
                  <Table.Tbody>
                    {attrs.map(([k, v]) => (
                      <Table.Tr key={k}>
                        <Table.Th scope="row">{k}</Table.Th>
                        <Table.Td>{typeof v === 'object' && v !== null ? <Code>{JSON.stringify(v)}</Code> : text(v)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Section>
            <Section title="Consent">{consent.data ? <ConsentPanel customerId={customerId} consent={consent.data} /> : <ErrorAlert error={consent.error} />}</Section>
            <Section title="Conversation">{thread.data ? <Conversation customerId={customerId} entries={thread.data.data} /> : <ErrorAlert error={thread.error} />}</Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Section title="Event timeline">{events.data ? <Timeline events={events.data.data} /> : events.error ? <ErrorAlert error={events.error} /> : <Loading what="events" />}</Section>
        </Grid.Col>
      </Grid>
    </Page>
  );
}
