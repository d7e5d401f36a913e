import { Badge, Group } from '@mantine/core';

const COLOR: Record<string, string> = {
  enqueued: 'gray',
  queued: 'gray',
  dispatched: 'blue',
  sent: 'blue',
  delivered: 'green',
  read: 'teal',
  clicked: 'grape',
  failed: 'red',
  rejected: 'red',
  expired: 'orange',
  cancelled: 'orange',
  received: 'violet',
};

export const statusColor = (s: string) => COLOR[s] ?? 'gray';

/** A message's statuses in the order they happened, as a row of chips. */
export function StatusChips({ statuses }: { statuses: string[] }) {
  return (
    <Group gap={4} wrap="wrap" aria-label="statuses">
      {statuses.map((s, i) => (
        <Badge key={`${s}-${i}`} color={statusColor(s)} variant="light" data-status={s}>
          {s}
        </Badge>
      ))}
    </Group>
  );
}
