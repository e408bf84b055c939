// The typed recording API over the one prom-client registry: every family of DESIGN.md §5, created once
// with its HELP text, with label values bounded before they reach prom-client.
import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import { ALL_PERMISSIONS } from '../auth/permissions.js';
import { buildInfo } from '../common/build-info.js';
import {
  AUTH_ATTEMPTS,
  AUTH_RESULTS,
  AUTHZ_DENIED,
  BUILD_INFO,
  CIRCUIT_BREAKER_STATE,
  CIRCUIT_STATES,
  DB_CONNECTIONS_ACTIVE,
  DB_CONNECTIONS_IDLE,
  DB_CONNECTIONS_WAITING,
  DB_OPERATIONS,
  DB_QUERY_DURATION,
  DROPPED_DEFAULT_METRICS,
  ERRORS_TOTAL,
  EVENT_LOOP_MONITORING_PRECISION_MS,
  EXTERNAL_CALLS,
  EXTERNAL_DURATION,
  EXTERNAL_STATUSES,
  FAILURE_REASONS,
  GC_DURATION_BUCKETS,
  GIS_EXPORT_BYTES,
  GIS_EXPORT_FEATURES,
  HTTP_REQUEST_DURATION,
  HTTP_REQUESTS_IN_FLIGHT,
  HTTP_REQUESTS_TOTAL,
  JOB_FAMILIES,
  JOB_MODULES,
  jobFamilyDefs,
  JOBS_QUEUED,
  JOBS_RUNNING,
  RATE_LIMIT_EXCEEDED,
  RATE_LIMIT_KEY_TYPES,
  SUBMIT_STATUSES,
  TIMED_DEFAULT_BUCKETS,
  type CircuitState,
  type DbOperation,
  type ErrorType,
  type HistogramDef,
  type JobFamilyDef,
  type JobModule,
  type MetricDef,
} from './metric-names.js';
import {
  BoundedLabel,
  enumLabel,
  newCountyLabels,
  newOperationLabels,
  newRouteLabels,
  newServiceLabels,
  normaliseMethod,
  OVERFLOW,
  statusLabel,
  UNMATCHED_ROUTE,
} from './labels.js';
import { MetricsRenderer } from './metrics-renderer.js';

type Labels = Record<string, string>;

/** Optional provider of another registry than prom-client's global one (tests, benchmarks). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

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

export interface JobLabels {
  countyId: string;
  /** The module's own dimension: report_type, analysis_type or export_format. */
  kind?: string;
}

/** Queue depth per module, supplied by the job platform at scrape time. */
export type JobCountsSource = () => Promise<Partial<Record<JobModule, { queued: number; running: number }>>>;

/** Records one module's job family; label values are validated here. */
export class JobMetrics {
  private readonly submittedTotal: Counter<string>;
  private readonly completedTotal: Counter<string>;
  private readonly failedTotal: Counter<string>;
  private readonly duration: Histogram<string>;

  constructor(
    readonly family: JobFamilyDef,
    private readonly counties: BoundedLabel,
    make: { counter: (d: MetricDef) => Counter<string>; histogram: (d: HistogramDef) => Histogram<string> },
  ) {
    const defs = jobFamilyDefs(family);
    this.submittedTotal = make.counter(defs.submitted);
    this.completedTotal = make.counter(defs.completed);
    this.failedTotal = make.counter(defs.failed);
    this.duration = make.histogram(defs.duration);
  }

  submitted(labels: JobLabels & { statusOnSubmit: string }): void {
    this.submittedTotal.inc({
      ...this.base(labels),
      status_on_submit: enumLabel(SUBMIT_STATUSES, labels.statusOnSubmit),
    });
  }

  /** A job finished successfully after `seconds` of processing. */
  completed(labels: JobLabels, seconds?: number): void {
    const base = this.base(labels);
    this.completedTotal.inc(base);
    if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) this.duration.observe(base, seconds);
  }

  /** A job failed for good; `reason` outside FAILURE_REASONS is recorded as `other`. */
  failed(labels: JobLabels & { reason: string }): void {
    this.failedTotal.inc({ ...this.base(labels), failure_reason: enumLabel(FAILURE_REASONS, labels.reason) });
  }

  private base(labels: JobLabels): Labels {
    const out: Labels = { county_id: this.counties.map(labels.countyId) };
    if (this.family.kind) out[this.family.kind.label] = enumLabel(this.family.kind.values, labels.kind);
    return out;
  }
}

@Injectable()
export class MetricsService implements OnApplicationShutdown {
  readonly registry: Registry;
  readonly renderer: MetricsRenderer;

  private readonly routes = newRouteLabels();
  private readonly counties = newCountyLabels();
  private readonly services = newServiceLabels();
  private readonly operations = newOperationLabels();

  private readonly httpRequests: Counter<string>;
  private readonly httpDuration: Histogram<string>;
  private readonly httpInFlight: Gauge<string>;
  /** Reused label objects of the hot path (method × route × status), bounded by the label caps. */
  private readonly httpLabelCache = new Map<string, Labels>();
  private readonly flightLabelCache = new Map<string, Labels>();

  private readonly authAttempts: Counter<string>;
  private readonly authzDenied: Counter<string>;
  private readonly rateLimited: Counter<string>;
  private readonly errors: Counter<string>;
  private readonly dbQueryDuration: Histogram<string>;
  private readonly dbOperationLabels: Record<DbOperation, Labels>;
  private readonly externalCalls: Counter<string>;
  private readonly externalDuration: Histogram<string>;
  private readonly circuitState: Gauge<string>;
  private readonly gisBytes: Counter<string>;
  private readonly gisFeatures: Counter<string>;
  private readonly jobsQueued: Gauge<string>;
  private readonly jobsRunning: Gauge<string>;
  private readonly jobFamilies = new Map<JobModule, JobMetrics>();

  private poolStats?: () => PoolStats | undefined;
  private jobCountsSource?: JobCountsSource;

  constructor(@Optional() @Inject(METRICS_REGISTRY) registry?: Registry) {
    this.registry = registry ?? register;
    this.renderer = new MetricsRenderer(this.registry);
    this.registerDefaultMetrics();

    const build = buildInfo();
    this.gauge(BUILD_INFO).set({ version: build.version, commit: build.commit, node_version: build.nodeVersion }, 1);

    this.httpRequests = this.counter(HTTP_REQUESTS_TOTAL);
    this.httpDuration = this.histogram(HTTP_REQUEST_DURATION);
    this.httpInFlight = this.gauge(HTTP_REQUESTS_IN_FLIGHT);

    this.authAttempts = this.counter(AUTH_ATTEMPTS);
    this.authzDenied = this.counter(AUTHZ_DENIED);
    this.rateLimited = this.counter(RATE_LIMIT_EXCEEDED);
    this.errors = this.counter(ERRORS_TOTAL);

    this.dbQueryDuration = this.histogram(DB_QUERY_DURATION);
    this.dbOperationLabels = Object.fromEntries(DB_OPERATIONS.map((op) => [op, { operation: op }])) as Record<
      string,
      Labels
    > as Record<DbOperation, Labels>;
    const pool = () => this.poolStats?.();
    this.gauge(DB_CONNECTIONS_ACTIVE, function () {
      const s = pool();
      this.set(s ? Math.max(0, s.totalCount - s.idleCount) : 0);
    });
    this.gauge(DB_CONNECTIONS_IDLE, function () {
      this.set(pool()?.idleCount ?? 0);
    });
    this.gauge(DB_CONNECTIONS_WAITING, function () {
      this.set(pool()?.waitingCount ?? 0);
    });

    this.externalCalls = this.counter(EXTERNAL_CALLS);
    this.externalDuration = this.histogram(EXTERNAL_DURATION);
    this.circuitState = this.gauge(CIRCUIT_BREAKER_STATE);

    for (const module of JOB_MODULES) {
      this.jobFamilies.set(
        module,
        new JobMetrics(JOB_FAMILIES[module], this.counties, {
          counter: (d) => this.counter(d),
          histogram: (d) => this.histogram(d),
        }),
      );
    }
    // Queue gauges: set by the job platform, or refreshed from its source at scrape time.
    const refreshJobCounts = () => this.refreshJobCounts();
    this.jobsQueued = this.gauge(JOBS_QUEUED, refreshJobCounts);
    this.jobsRunning = this.gauge(JOBS_RUNNING);
    for (const module of JOB_MODULES) {
      this.jobsQueued.set({ module }, 0);
      this.jobsRunning.set({ module }, 0);
    }
    this.gisBytes = this.counter(GIS_EXPORT_BYTES);
    this.gisFeatures = this.counter(GIS_EXPORT_FEATURES);
    setActiveMetrics(this);
  }

  /** The registry belongs to the process; a closed app leaves it empty so the next one starts clean. */
  onApplicationShutdown(): void {
    if (activeMetrics() === this) {
      setActiveMetrics(undefined);
      this.registry.clear();
    }
  }

  /** `/metrics` body (Prometheus text format 0.0.4). */
  render(): Promise<string> {
    return this.renderer.render();
  }

  // --- HTTP (called by the Fastify hooks of http-metrics.ts) ------------------------------------

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

  // --- Auth (bound to the auth module's AUTH_METRICS) -------------------------------------------

  recordAuthAttempt(result: string): void {
    this.authAttempts.inc({ result: enumLabel(AUTH_RESULTS, result) });
  }

  /** `permission` must be a name of permissions.ts (or `undeclared_route`); anything else is `other`. */
  recordAuthzDenied(permission: string): void {
    const known = (ALL_PERMISSIONS as readonly string[]).includes(permission) || permission === 'undeclared_route';
    this.authzDenied.inc({ permission: known ? permission : OVERFLOW });
  }

  recordRateLimited(keyType: string): void {
    this.rateLimited.inc({ key_type: enumLabel(RATE_LIMIT_KEY_TYPES, keyType) });
  }

  // --- Jobs -------------------------------------------------------------------------------------

  jobs(module: JobModule): JobMetrics {
    const family = this.jobFamilies.get(module);
    if (!family) throw new Error(`Unknown job module "${module}"`);
    return family;
  }

  setJobCounts(module: JobModule, counts: { queued: number; running: number }): void {
    if (!JOB_MODULES.includes(module)) return;
    this.jobsQueued.set({ module }, counts.queued);
    this.jobsRunning.set({ module }, counts.running);
  }

  /** Queue depths read at scrape time (e.g. one grouped SQL count); bounded to 1 s per scrape. */
  setJobCountsSource(source: JobCountsSource | undefined): void {
    this.jobCountsSource = source;
  }

  recordGisExport(labels: { countyId: string; exportFormat: string }, bytes: number, features: number): void {
    const l = {
      county_id: this.counties.map(labels.countyId),
      export_format: enumLabel(JOB_FAMILIES.gis_export.kind!.values, labels.exportFormat),
    };
    if (Number.isFinite(bytes) && bytes > 0) this.gisBytes.inc(l, bytes);
    if (Number.isFinite(features) && features > 0) this.gisFeatures.inc(l, features);
  }

  // --- Outbound ---------------------------------------------------------------------------------

  /** `status`: an HTTP status (recorded as its class) or one of EXTERNAL_STATUSES. */
  recordExternalCall(service: string, operation: string, status: number | string, seconds: number): void {
    const s = this.services.map(service);
    const op = this.operations.map(operation);
    const outcome =
      typeof status === 'number'
        ? status >= 200 && status < 600
          ? `${Math.floor(status / 100)}xx`
          : 'error'
        : enumLabel(EXTERNAL_STATUSES, status);
    this.externalCalls.inc({ service: s, operation: op, status: outcome });
    if (Number.isFinite(seconds) && seconds >= 0) this.externalDuration.observe({ service: s, operation: op }, seconds);
  }

  setCircuitState(service: string, state: CircuitState): void {
    const value = CIRCUIT_STATES[state];
    if (value !== undefined) this.circuitState.set({ service: this.services.map(service) }, value);
  }

  // --- Database ---------------------------------------------------------------------------------

  /** Pool gauges read these counters at scrape time. */
  setPoolStats(source: (() => PoolStats | undefined) | undefined): void {
    this.poolStats = source;
  }

  observeDbQuery(operation: DbOperation, seconds: number): void {
    this.dbQueryDuration.observe(this.dbOperationLabels[operation] ?? this.dbOperationLabels.other, seconds);
  }

  // --- Decorators -------------------------------------------------------------------------------

  /** The histogram behind @Timed(name): labels = the static ones + `outcome` (success | error). */
  timedHistogram(name: string, labelNames: readonly string[], buckets?: readonly number[], help?: string) {
    return this.histogram({
      name,
      help: help ?? `Duration of ${name.replace(/_seconds$/, '').replace(/_/g, ' ')} calls, in seconds.`,
      labelNames: [...labelNames, 'outcome'],
      buckets: buckets ?? TIMED_DEFAULT_BUCKETS,
    });
  }

  // --- internals --------------------------------------------------------------------------------

  private registerDefaultMetrics(): void {
    if (!this.registry.getSingleMetric('process_cpu_user_seconds_total')) {
      collectDefaultMetrics({
        register: this.registry,
        eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
        gcDurationBuckets: [...GC_DURATION_BUCKETS],
      });
    }
    for (const name of DROPPED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
  }

  private async refreshJobCounts(): Promise<void> {
    const source = this.jobCountsSource;
    if (!source) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const counts = await Promise.race([
        source(),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), 1000);
        }),
      ]);
      for (const module of JOB_MODULES) {
        const c = counts?.[module];
        if (c) this.setJobCounts(module, c);
      }
    } catch {
      // A failing source keeps the last values; the scrape itself must not fail.
    } finally {
      clearTimeout(timer);
    }
  }

  private counter(def: MetricDef): Counter<string> {
    const existing = this.existing(def, 'counter');
    return (
      (existing as Counter<string>) ??
      new Counter({ ...def, labelNames: [...def.labelNames], registers: [this.registry] })
    );
  }

  private gauge(def: MetricDef, collect?: (this: Gauge<string>) => void | Promise<void>): Gauge<string> {
    const existing = this.existing(def, 'gauge');
    return (
      (existing as Gauge<string>) ??
      new Gauge({
        ...def,
        labelNames: [...def.labelNames],
        registers: [this.registry],
        ...(collect ? { collect } : {}),
      })
    );
  }

  private histogram(def: HistogramDef): Histogram<string> {
    const existing = this.existing(def, 'histogram');
    return (
      (existing as Histogram<string>) ??
      new Histogram({
        name: def.name,
        help: def.help,
        labelNames: [...def.labelNames],
        buckets: [...def.buckets],
        registers: [this.registry],
      })
    );
  }

  /** Two apps in one process (tests) share the registry; a same-named metric must be the same kind. */
  private existing(def: MetricDef, type: string): unknown {
    const found = this.registry.getSingleMetric(def.name) as unknown as
      { type?: string; labelNames?: string[] } | undefined;
    if (!found) return undefined;
    const labels = [...(found.labelNames ?? [])].sort().join(',');
    if (found.type !== type || labels !== [...def.labelNames].sort().join(',')) {
      throw new Error(`Metric ${def.name} is already registered as a different ${found.type ?? 'metric'}`);
    }
    return found;
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

/** The service of the running app, for code outside DI (decorators, the problem filter). */
export function activeMetrics(): MetricsService | undefined {
  return active;
}

export function setActiveMetrics(service: MetricsService | undefined): void {
  active = service;
}
