// A campaign's funnel: compact (one line, for the list) and in full (the campaign page). A message
// counts for every stage up to the furthest it reached (docs/campaign-stats.md).
import { Badge, Group, Progress, SimpleGrid, Stack, Text } from '@mantine/core';
import type { CampaignState, Funnel } from './types';

export const pct = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${Math.round(r * 1000) / 10}%`);

const STATE_COLOR: Record<CampaignState, string> = { draft: 'gray', scheduled: 'cyan', launching: 'blue', launched: 'green', paused: 'orange', cancelled: 'red' };

export function StateBadge({ state }: { state: CampaignState }) {
  return (
    <Badge color={STATE_COLOR[state] ?? 'gray'} variant="light" data-testid="campaign-state" data-state={state}>
      {state}
    </Badge>
  );
}

/** accepted → delivered → clicked, with counts and rates, on one line. */
export function CompactFunnel({ funnel }: { funnel: Funnel }) {
  return (
    <Text size="sm" data-testid="compact-funnel">
      {funnel.accepted} accepted · {funnel.delivered} delivered ({pct(funnel.rates.delivered)}) · {funnel.clicked} clicked ({pct(funnel.rates.clicked)})
    </Text>
  );
}

const STAGES: { key: keyof Funnel; label: string; rate?: keyof Funnel['rates']; color: string }[] = [
  { key: 'messages', label: 'Queued', color: 'gray' },
  { key: 'accepted', label: 'Accepted', rate: 'accepted', color: 'indigo' },
  { key: 'sent', label: 'Sent', color: 'blue' },
  { key: 'delivered', label: 'Delivered', rate: 'delivered', color: 'green' },
  { key: 'clicked', label: 'Clicked', rate: 'clicked', color: 'grape' },
];

/** The full funnel: a bar per stage, then what did not go through. */
export function FunnelView({ funnel }: { funnel: Funnel }) {
  const base = Math.max(1, funnel.messages);
  return (
    <Stack gap="xs" data-testid="funnel">
      {STAGES.map((s) => {
        const n = funnel[s.key] as number;
        return (
          <div key={s.key} data-stage={s.key} data-count={n}>
            <Group justify="space-between" gap="xs">
              <Text size="sm" fw={500}>
                {s.label}
              </Text>
              <Text size="sm">
                {n}
                {s.rate && ` · ${pct(funnel.rates[s.rate])}`}
              </Text>
            </Group>
            <Progress value={(100 * n) / base} color={s.color} aria-label={`${s.label}: ${n} of ${funnel.messages} messages`} />
          </div>
        );
      })}
      <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="xs" mt="xs">
        <Text size="sm">Audience: {funnel.audience}</Text>
        <Text size="sm">Skipped: {funnel.skipped}</Text>
        <Text size="sm">Waiting: {funnel.waiting}</Text>
        <Text size="sm">Cancelled: {funnel.cancelled}</Text>
        <Text size="sm">Failed: {funnel.failed}</Text>
        <Text size="sm">Rejected: {funnel.rejected}</Text>
        <Text size="sm">Refused: {funnel.refused}</Text>
      </SimpleGrid>
    </Stack>
  );
}
