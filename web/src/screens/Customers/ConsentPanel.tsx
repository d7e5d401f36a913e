import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { post } from '../../api/client';
import { enc, pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import type { Consent } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';

const CHANNELS = ['sms', 'whatsapp', 'rcs'] as const;

/** Consent per channel (SMS and MMS share one), with opt-out/in and the audit trail. */
export function ConsentPanel({ customerId, consent }: { customerId: string; consent: Consent }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const set = useMutation({
    mutationFn: (v: { channel: string; opted_out: boolean }) => post<Consent>(projectPath(pid, `/customers/${enc(customerId)}/consent`), { ...v, note: 'from the console' }),
    onSuccess: (c) => qc.setQueryData(pkey(pid, 'customer', customerId, 'consent'), c),
  });
  return (
    <Stack gap="sm">
      <Group gap="lg" wrap="wrap" data-testid="consent">
        {CHANNELS.map((ch) => {
          const out = consent.channels[ch]?.opted_out ?? false;
          return (
            <Group key={ch} gap={6}>
              <Text size="sm" fw={600}>
                {ch === 'sms' ? 'SMS/MMS' : ch === 'rcs' ? 'RCS' : 'WhatsApp'}
              </Text>
              <Badge color={out ? 'red' : 'green'} variant="light" data-testid={`consent-${ch}`}>
                {out ? 'opted out' : 'subscribed'}
              </Badge>
              <Button size="compact-xs" variant="subtle" onClick={() => set.mutate({ channel: ch, opted_out: !out })} aria-label={`${out ? 'Opt in' : 'Opt out'} of ${ch}`}>
                {out ? 'Opt in' : 'Opt out'}
              </Button>
            </Group>
          );
        })}
      </Group>
      <ErrorAlert error={set.error} />
      <ListTable
        label="Consent history"
        minWidth={480}
        rows={consent.history}
        empty="No opt-outs or opt-ins recorded."
        columns={['When', 'Channel', 'Action', 'Source', 'Detail']}
        table={{ 'data-testid': 'consent-history' }}
        row={(h, i) => (
          <Table.Tr key={i}>
            <Table.Td>{new Date(h.at).toLocaleString()}</Table.Td>
            <Table.Td>{h.channel}</Table.Td>
            <Table.Td>{h.action}</Table.Td>
            <Table.Td>{h.source}</Table.Td>
            <Table.Td>{h.detail ?? ''}</Table.Td>
          </Table.Tr>
        )}
      />
    </Stack>
  );
}
