// What /metrics shows, through prom-client: every family with its HELP, labelled by integration
// (never by message or customer: per-message labels would explode the series count). Counters
// and histograms are fed where things happen; gauges, and the events counter, read their sources
// when scraped.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where the scrape-time gauges read from: the hub wires these once its parts exist. */
export interface MetricSources {
  /** Queued messages per integration, and of them those waiting to retry after a failed attempt. */
  queueDepths(): Promise<{ integration_id: string; queued: number; retrying: number }[]>;
  /** Requests being sent now, per integration. */
  inFlight(): Record<string, number>;
  /** Stored webhooks not yet turned into events. */
  callbacksPending(): Promise<number>;
  /** Events committed since the last call, by name and status (from the store, so every writer counts). */
  recordedEvents(): Promise<{ name: string; status: string; n: number }[]>;
}

/** What a send attempt came to, as the sends counter labels it. */
export type SendOutcomeLabel = 'accepted' | 'retry' | 'refused' | 'unknown';

/** Why a webhook was answered without being stored. */
export type WebhookRefusal = 'bad_token' | 'bad_signature' | 'replay' | 'bad_body' | 'too_many_pending';

// Provider round trips: tens of milliseconds to the provider's timeout.
const SEND_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// From a receipt stored to its events: milliseconds normally, minutes when the worker falls behind.
const LAG_SECONDS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 60, 300];
const HTTP_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class Metrics {
  readonly registry = new Registry();

  readonly sends = new Counter({
    name: 'switchboard_sends_total',
    help: 'Send attempts by what they came to: accepted by the provider, to be retried, refused for good, or with an unknown outcome.',
    labelNames: ['integration_id', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly sendDuration = new Histogram({
    name: 'switchboard_send_duration_seconds',
    help: 'Time from writing a send request to the provider until its answer (or the timeout).',
    labelNames: ['integration_id'] as const,
    buckets: SEND_SECONDS,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'switchboard_send_retries_total',
    help: 'Messages put back on the queue after a failed or unanswered attempt.',
    labelNames: ['integration_id'] as const,
    registers: [this.registry],
  });
  readonly rateLimitWait = new Counter({
    name: 'switchboard_rate_limit_wait_seconds_total',
    help: "Seconds sends spent waiting for the integration's rate limit.",
    labelNames: ['integration_id'] as const,
    registers: [this.registry],
  });
  readonly breakerChanges = new Counter({
    name: 'switchboard_circuit_breaker_changes_total',
    help: "Changes of an integration's circuit breaker (docs/failover.md): opened after a run of provider faults, reopened by a failed probe, closed by a success.",
    labelNames: ['integration_id', 'change'] as const,
    registers: [this.registry],
  });
  readonly breakerOpen = new Gauge({
    name: 'switchboard_circuit_breaker_open',
    help: "1 while the integration's circuit breaker is open or half open (in the process running its sender), else 0.",
    labelNames: ['integration_id'] as const,
    registers: [this.registry],
  });
  readonly reroutes = new Counter({
    name: 'switchboard_failover_reroutes_total',
    help: "Messages moved to another integration of their channel's failover order while their own integration's circuit breaker was open.",
    labelNames: ['integration_id', 'to_integration_id'] as const,
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'switchboard_webhooks_received_total',
    help: 'Provider webhooks stored for processing, or recognised as exact duplicates.',
    labelNames: ['integration_id', 'result'] as const,
    registers: [this.registry],
  });
  readonly webhookRefusals = new Counter({
    name: 'switchboard_webhooks_refused_total',
    help: 'Provider webhooks answered without being stored, by reason.',
    labelNames: ['integration_id', 'reason'] as const,
    registers: [this.registry],
  });
  readonly callbacksProcessed = new Counter({
    name: 'switchboard_callbacks_processed_total',
    help: 'Stored webhooks turned into events.',
    labelNames: ['integration_id'] as const,
    registers: [this.registry],
  });
  readonly receiptLag = new Histogram({
    name: 'switchboard_receipt_lag_seconds',
    help: 'Time from a webhook being stored to its processing.',
    labelNames: ['integration_id'] as const,
    buckets: LAG_SECONDS,
    registers: [this.registry],
  });
  readonly clicks = new Counter({
    name: 'switchboard_link_clicks_total',
    help: 'Short-link clicks counted (bots, previews and prefetches excluded).',
    labelNames: ['integration_id'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests served, by route pattern (never the raw URL, which carries ids and tokens).',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_SECONDS,
    registers: [this.registry],
  });

  #sources: MetricSources | null = null;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const sources = () => this.#sources;
    new Gauge({
      name: 'switchboard_queue_depth',
      help: 'Messages waiting to be sent, per integration: state "queued" counts all, "retrying" those whose earlier attempt failed.',
      labelNames: ['integration_id', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const d of (await sources()?.queueDepths()) ?? []) {
          this.set({ integration_id: d.integration_id, state: 'queued' }, d.queued);
          this.set({ integration_id: d.integration_id, state: 'retrying' }, d.retrying);
        }
      },
    });
    new Gauge({
      name: 'switchboard_sends_in_flight',
      help: 'Send requests written to the provider and not yet answered, per integration.',
      labelNames: ['integration_id'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [id, n] of Object.entries(sources()?.inFlight() ?? {})) this.set({ integration_id: id }, n);
      },
    });
    new Counter({
      name: 'switchboard_events_recorded_total',
      help: 'Events recorded on customer profiles since this process started, by event name and status.',
      labelNames: ['name', 'status'] as const,
      registers: [this.registry],
      async collect() {
        for (const c of (await sources()?.recordedEvents()) ?? []) this.inc({ name: c.name, status: c.status }, c.n);
      },
    });
    new Gauge({
      name: 'switchboard_callbacks_pending',
      help: 'Stored webhooks not yet processed.',
      registers: [this.registry],
      async collect() {
        this.set((await sources()?.callbacksPending()) ?? 0);
      },
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  /** Connects the scrape-time gauges to the hub's parts. */
  setSources(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** The Prometheus text exposition of every family. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
