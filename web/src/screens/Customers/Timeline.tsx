// A customer's event timeline: one row per message with its statuses as chips, in order, and the
// events' properties on expand. Other events (incoming messages, clicks) are rows of their own.
import { Badge, Code, Collapse, Group, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { text } from '../../api/client';
import type { HubEvent } from '../../api/types';
import { Empty } from '../../components/Page';
import { StatusChips } from '../../components/StatusChips';
import { ScrollTable } from '../../components/ScrollTable';

interface Row {
  key: string;
  label: string;
  at: number;
  statuses: string[];
  events: HubEvent[];
}

export function groupEvents(events: HubEvent[]): Row[] {
  const rows = new Map<string, Row>();
  for (const e of events) {
    const mid = typeof e.properties.message_id === 'string' ? e.properties.message_id : null;
    const key = mid ?? `event-${e.id}`;
    const said = typeof e.properties.message === 'string' ? `: ${e.properties.message.slice(0, 40)}` : '';
    const row = rows.get(key) ?? { key, label: mid ?? `${e.name}${said}`, at: e.timestamp, statuses: [], events: [] };
    row.events.push(e);
    row.statuses.push(text(e.properties.status ?? e.name));
    row.at = Math.max(row.at, e.timestamp);
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.at - a.at);
}

function TimelineRow({ row }: { row: Row }) {
  const [open, setOpen] = useState(false);
  const first = row.events[0]!;
  return (
    <>
      <Table.Tr data-testid="timeline-row" data-message={row.label}>
        <Table.Td>
          <UnstyledButton onClick={() => setOpen(!open)} aria-expanded={open} aria-label={`Details of ${row.label}`} fz="sm" c="blue">
            {open ? '▾' : '▸'} {row.label}
          </UnstyledButton>
        </Table.Td>
        <Table.Td>
          <Group gap={4}>
            <Badge variant="outline" size="sm">
              {text(first.properties.channel ?? first.properties.action_type)}
            </Badge>
            <Text size="xs" c="dimmed">
              {first.name}
            </Text>
          </Group>
        </Table.Td>
        <Table.Td>
          <StatusChips statuses={row.statuses} />
        </Table.Td>
        <Table.Td>
          <Text size="xs">{new Date(row.at * 1000).toLocaleString()}</Text>
        </Table.Td>
      </Table.Tr>
      <Table.Tr>
        <Table.Td colSpan={4} p={0} style={{ borderBottom: open ? undefined : 'none' }}>
          <Collapse expanded={open}>
            <Stack gap={4} p="xs">
              {row.events.map((e) => (
                <Code block key={e.id}>
                  {JSON.stringify({ id: e.id, name: e.name, at: new Date(e.timestamp * 1000).toISOString(), ...e.properties }, null, 2)}
                </Code>
              ))}
            </Stack>
          </Collapse>
        </Table.Td>
      </Table.Tr>
    </>
  );
}

export function Timeline({ events }: { events: HubEvent[] }) {
  const rows = groupEvents(events);
  if (!rows.length) return <Empty>No events yet.</Empty>;
  return (
    <ScrollTable minWidth={560} label="Event timeline">
      <Table data-testid="timeline">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Message</Table.Th>
            <Table.Th>Channel</Table.Th>
            <Table.Th miw={190}>Statuses</Table.Th>
            <Table.Th>Last update</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <TimelineRow key={r.key} row={r} />
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
