// Counters for /metrics in the Prometheus text format. Labelled by integration only: per-message
// labels would explode the series count.
export class Metrics {
  readonly #counters = new Map<string, Map<string, number>>();

  count(name: string, integrationId: string, by = 1): void {
    let series = this.#counters.get(name);
    if (!series) this.#counters.set(name, (series = new Map<string, number>()));
    series.set(integrationId, (series.get(integrationId) ?? 0) + by);
  }

  render(gauges: Record<string, { labels: Record<string, string>; value: number }[]> = {}): string {
    const lines: string[] = [];
    const label = (labels: Record<string, string>) =>
      Object.keys(labels).length ? `{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}` : '';
    for (const [name, series] of this.#counters) {
      lines.push(`# TYPE switchboard_${name} counter`);
      for (const [id, v] of series) lines.push(`switchboard_${name}${label({ integration_id: id })} ${v}`);
    }
    for (const [name, samples] of Object.entries(gauges)) {
      lines.push(`# TYPE switchboard_${name} gauge`);
      for (const s of samples) lines.push(`switchboard_${name}${label(s.labels)} ${s.value}`);
    }
    return lines.join('\n') + '\n';
  }
}
