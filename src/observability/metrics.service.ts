// The observability module's recording API over prom-client's global registry: HTTP requests, problem
// responses, the database pool and statements, build info and the default process metrics. Its families
// are declared as @willsoto/nestjs-prometheus providers (ObservabilityModule) and injected here; the
// other modules own theirs (auth, jobs, each job module, gis-export). Gauges that mirror other state
// (pool, queue depths) are refreshed by their owners' scrape refreshers right before each render.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register, type Counter, type Gauge, type Histogram } from 'prom-client';
import { buildInfo } from '../common/build-info.js';
import { setStageHistogram } from './decorators/timed.decorator.js';
import {
  BUILD_INFO,
  DB_CONNECTIONS_ACTIVE,
  DB_CONNECTIONS_IDLE,
  DB_CONNECTIONS_WAITING,
  DB_OPERATIONS,
  DB_QUERY_DURATION,
  DROPPED_DEFAULT_METRICS,
  ERRORS_TOTAL,
  EVENT_LOOP_MONITORING_PRECISION_MS,
  GC_DURATION_BUCKETS,
  HTTP_REQUEST_DURATION,
  HTTP_REQUESTS_IN_FLIGHT,
  HTTP_REQUESTS_TOTAL,
  JOB_STAGE_DURATION,
  type DbOperation,
  type ErrorType,
} from './metric-names.js';
import { newRouteLabels, normaliseMethod, statusLabel, UNMATCHED_ROUTE } from './labels.js';
import { MetricsRenderer } from './metrics-renderer.js';

type Labels = Record<string, string>;

/** What the HTTP hooks keep on a request between its start and its end. */
export interface HttpTicket {
  method: string;
  route: string;
  /** The in-flight labels object (one per method × route, reused). */
  flight: Labels;
  /** performance.now() when the request arrived. */
  start: number;
  done: boolean;
}

/** Pool counters of node-postgres, read at scrape time. */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Brings a gauge up to date before a scrape (e.g. one grouped SQL count); bounded to 1 s per scrape. */
export type ScrapeRefresher = () => void | Promise<void>;

const REFRESH_TIMEOUT_MS = 1000;

/** Starts prom-client's default process and Node.js metrics once per process, minus promtool's rejects. */
export function startDefaultMetrics(): void {
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) {
    collectDefaultMetrics({
      eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
      gcDurationBuckets: [...GC_DURATION_BUCKETS],
    });
  }
  for (const name of DROPPED_DEFAULT_METRICS) register.removeSingleMetric(name);
}

@Injectable()
export class MetricsService implements OnApplicationShutdown {
  readonly registry = register;
  readonly renderer = new MetricsRenderer(register);

  private readonly routes = newRouteLabels();
  /** Reused label objects of the hot path (method × route × status), bounded by the label caps. */
  private readonly httpLabelCache = new Map<string, Labels>();
  private readonly flightLabelCache = new Map<string, Labels>();
  private readonly dbOperationLabels: Record<DbOperation, Labels>;
  private readonly refreshers = new Set<ScrapeRefresher>();

  constructor(
    @InjectMetric(HTTP_REQUESTS_TOTAL.name) private readonly httpRequests: Counter<string>,
    @InjectMetric(HTTP_REQUEST_DURATION.name) private readonly httpDuration: Histogram<string>,
    @InjectMetric(HTTP_REQUESTS_IN_FLIGHT.name) private readonly httpInFlight: Gauge<string>,
    @InjectMetric(ERRORS_TOTAL.name) private readonly errors: Counter<string>,
    @InjectMetric(BUILD_INFO.name) build: Gauge<string>,
    @InjectMetric(DB_QUERY_DURATION.name) private readonly dbQueryDuration: Histogram<string>,
    @InjectMetric(DB_CONNECTIONS_ACTIVE.name) private readonly dbActive: Gauge<string>,
    @InjectMetric(DB_CONNECTIONS_IDLE.name) private readonly dbIdle: Gauge<string>,
    @InjectMetric(DB_CONNECTIONS_WAITING.name) private readonly dbWaiting: Gauge<string>,
    @InjectMetric(JOB_STAGE_DURATION.name) stages: Histogram<'module' | 'stage'>,
  ) {
    startDefaultMetrics();
    const info = buildInfo();
    build.set({ version: info.version, commit: info.commit, node_version: info.nodeVersion }, 1);
    this.dbOperationLabels = Object.fromEntries(
      DB_OPERATIONS.map((op) => [op, { operation: op }]),
    ) as unknown as Record<DbOperation, Labels>;
    for (const gauge of [dbActive, dbIdle, dbWaiting]) gauge.set(0);
    setStageHistogram(stages);
    setActiveMetrics(this);
  }

  /** The registry belongs to the process; a closed app leaves it empty so the next one starts clean. */
  onApplicationShutdown(): void {
    this.refreshers.clear();
    if (activeMetrics() === this) {
      setActiveMetrics(undefined);
      setStageHistogram(undefined);
      this.registry.clear();
    }
  }

  /** Registers a refresher run before every render; returns its removal. */
  addScrapeRefresher(refresher: ScrapeRefresher): () => void {
    this.refreshers.add(refresher);
    return () => this.refreshers.delete(refresher);
  }

  /** `/metrics` body (Prometheus text format 0.0.4), after the refreshers ran (at most 1 s). */
  async render(): Promise<string> {
    if (this.refreshers.size > 0) await this.refresh();
    return this.renderer.render();
  }

  // --- HTTP (request-metrics interceptor and the Fastify edge hooks of http-metrics.ts) -----------

  /** A request started; `routeTemplate` is undefined when no route matched. */
  httpStart(method: string, routeTemplate: string | undefined): HttpTicket {
    const m = normaliseMethod(method);
    const route = this.routeLabel(routeTemplate);
    const key = m + ' ' + route;
    let flight = this.flightLabelCache.get(key);
    if (!flight) {
      flight = { method: m, route };
      this.flightLabelCache.set(key, flight);
    }
    this.httpInFlight.inc(flight);
    return { method: m, route, flight, start: performance.now(), done: false };
  }

  /** The response finished (or the client went away); counts the request exactly once. */
  httpEnd(ticket: HttpTicket, statusCode: number): void {
    if (ticket.done) return;
    ticket.done = true;
    const seconds = (performance.now() - ticket.start) / 1000;
    this.httpInFlight.dec(ticket.flight);
    const status = statusLabel(statusCode);
    const key = ticket.method + ' ' + ticket.route + ' ' + status;
    let labels = this.httpLabelCache.get(key);
    if (!labels) {
      labels = { method: ticket.method, route: ticket.route, status_code: status };
      this.httpLabelCache.set(key, labels);
    }
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** The bounded route label: the template, `unmatched`, or `other` past the cap. */
  routeLabel(routeTemplate: string | undefined): string {
    return routeTemplate ? this.routes.map(routeTemplate) : UNMATCHED_ROUTE;
  }

  // --- Errors (ProblemFilter) -------------------------------------------------------------------

  /** errors_total{type,route} for a problem response of `status`. */
  recordError(status: number, routeTemplate: string | undefined): void {
    this.errors.inc({ type: errorType(status), route: this.routeLabel(routeTemplate) });
  }

  // --- Database ---------------------------------------------------------------------------------

  /** The pool gauges follow these counters at every scrape. */
  setPoolStats(source: (() => PoolStats | undefined) | undefined): () => void {
    return this.addScrapeRefresher(() => {
      const stats = source?.();
      this.dbActive.set(stats ? Math.max(0, stats.totalCount - stats.idleCount) : 0);
      this.dbIdle.set(stats?.idleCount ?? 0);
      this.dbWaiting.set(stats?.waitingCount ?? 0);
    });
  }

  observeDbQuery(operation: DbOperation, seconds: number): void {
    this.dbQueryDuration.observe(this.dbOperationLabels[operation] ?? this.dbOperationLabels.other, seconds);
  }

  // --- internals --------------------------------------------------------------------------------

  private async refresh(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(
      [...this.refreshers].map(async (refresh) => {
        try {
          await refresh();
        } catch {
          // A failing refresher keeps its gauges' last values; the scrape itself must not fail.
        }
      }),
    );
    try {
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, REFRESH_TIMEOUT_MS)))]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function errorType(status: number): ErrorType {
  if (status >= 500) return 'internal';
  switch (status) {
    case 400:
    case 422:
      return 'validation';
    case 401:
    case 403:
      return 'auth';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 429:
      return 'rate_limit';
    default:
      return 'client';
  }
}

let active: MetricsService | undefined;

/** The service of the running app, for code outside DI (the problem filter). */
export function activeMetrics(): MetricsService | undefined {
  return active;
}

export function setActiveMetrics(service: MetricsService | undefined): void {
  active = service;
}
