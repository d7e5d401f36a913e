// The per-minute chart (recharts), a lazily loaded chunk: the first screen never downloads it.
// It is a picture of the table beside it, so screen readers get the table, not the drawing.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CampaignSeries } from './types';

const COLOR: Record<string, string> = {
  enqueued: '#3b5bdb',
  sent: '#1971c2',
  delivered: '#2b8a3e',
  read: '#0c8599',
  clicked: '#9c36b5',
  enqueue_failed: '#e8590c',
  enqueued_failed: '#e8590c',
  failed: '#c92a2a',
  rejected: '#a61e4d',
};
const AXIS = { fontSize: 12, fill: '#343a40' };

export default function SeriesChart({ series }: { series: CampaignSeries }) {
  const data = series.points.map((p) => ({ minute: new Date(p.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), ...p.counts }));
  return (
    <figure style={{ margin: 0, width: '100%', height: 260 }} aria-hidden="true" data-testid="series-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -16 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#dee2e6" />
          <XAxis dataKey="minute" tick={AXIS} minTickGap={24} />
          <YAxis allowDecimals={false} tick={AXIS} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} formatter={(name: string) => <span style={{ color: '#343a40' }}>{name}</span>} />
          {series.statuses.map((s) => (
            <Line key={s} type="monotone" dataKey={s} stroke={COLOR[s] ?? '#495057'} dot={false} strokeWidth={2} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
