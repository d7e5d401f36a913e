// The live funnel and the per-minute chart: refetched when the event stream carries an event of
// this campaign, at most once a second (a launch of thousands makes thousands of events). The
// chart's library is loaded only here, in a chunk of its own.
import { Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef } from 'react';
import { useEventStream } from '../../api/stream';
import { useProjectId } from '../../api/session';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Page';
import { ScrollTable } from '../../components/ScrollTable';
import { FunnelView } from './Funnel';
import { campaignKey, useCampaignSeries, useCampaignStats } from './queries';
import type { CampaignSeries } from './types';

const SeriesChart = lazy(() => import('./SeriesChart'));

const THROTTLE_MS = 1000;

/** Calls fn at most once per interval, the last call always landing. */
function useThrottled(fn: () => void, ms: number) {
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const current = useRef(fn);
  current.current = fn;
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return () => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      current.current();
    }, wait);
  };
}

function SeriesTable({ series }: { series: CampaignSeries }) {
  const rows = series.points.filter((p) => Object.values(p.counts).some((n) => n > 0)).slice(-30);
  return (
    <details>
      <summary>
        <Text span size="sm">
          Events per minute as a table
        </Text>
      </summary>
      <ScrollTable minWidth={400} label="Events per minute">
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Minute</Table.Th>
              {series.statuses.map((s) => (
                <Table.Th key={s}>{s}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.minute}>
                <Table.Td>{new Date(p.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</Table.Td>
                {series.statuses.map((s) => (
                  <Table.Td key={s}>{p.counts[s] ?? 0}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollTable>
    </details>
  );
}

export function LiveStats({ cid }: { cid: string }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const stats = useCampaignStats(cid);
  const series = useCampaignSeries(cid);
  const refetch = useThrottled(() => {
    void qc.invalidateQueries({ queryKey: campaignKey(pid, cid, 'stats') });
    void qc.invalidateQueries({ queryKey: campaignKey(pid, cid, 'series') });
    void qc.invalidateQueries({ queryKey: campaignKey(pid, cid), exact: true });
  }, THROTTLE_MS);
  const live = useEventStream(pid, { campaign_id: cid }, refetch);
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={3} size="h5">
          Funnel
        </Title>
        <Badge color={live === 'live' ? 'green' : 'gray'} variant="dot" data-testid="live">
          {live}
        </Badge>
      </Group>
      <ErrorAlert error={stats.error} />
      {stats.data ? <FunnelView funnel={stats.data.funnel} /> : !stats.error && <Loading what="the funnel" />}
      {stats.data && Object.keys(stats.data.skipped_by_reason).length > 0 && (
        <Text size="sm">
          Skipped: {Object.entries(stats.data.skipped_by_reason).map(([k, n]) => `${k.replace(/_/g, ' ')} ${n}`).join(' · ')}
        </Text>
      )}
      {stats.data && stats.data.failures.length > 0 && (
        <Text size="sm" c="red.9">
          Failures: {stats.data.failures.map((f) => `${f.status}${f.error ? ` (${f.error})` : ''} × ${f.n}`).join(' · ')}
        </Text>
      )}
      <Title order={3} size="h5">
        Events per minute
      </Title>
      <ErrorAlert error={series.error} />
      {series.data && (
        <>
          <Suspense fallback={<Loading what="the chart" />}>
            <SeriesChart series={series.data} />
          </Suspense>
          <SeriesTable series={series.data} />
        </>
      )}
    </Stack>
  );
}
