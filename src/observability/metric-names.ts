// The service's metric catalogue: every name, HELP text, label set and bucket layout, in base
// units (seconds, bytes). Feature code records through MetricsService or the decorators, never by name.
import type { AuthAttemptResult, RateLimitKeyType } from '../auth/auth-metrics.js';

/** One metric family definition. */
export interface MetricDef<L extends string = string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

export interface HistogramDef<L extends string = string> extends MetricDef<L> {
  buckets: readonly number[];
}

/** Request latency: from ~5 ms (probes, cached reads) to 30 s (imports, large downloads). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
/** Single statements: sub-millisecond lookups up to multi-second set-wise valuation SQL. */
export const DB_QUERY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] as const;
/** Outbound HTTP (webhooks): timeouts are a few seconds. */
export const EXTERNAL_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Engine stages (@Timed): a few milliseconds (a small county's fit) to minutes (a state-sized load). */
export const JOB_STAGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

export const HTTP_REQUESTS_TOTAL: MetricDef<'method' | 'route' | 'status_code'> = {
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route template and the status code the client received.',
  labelNames: ['method', 'route', 'status_code'],
};
export const HTTP_REQUEST_DURATION: HistogramDef<'method' | 'route' | 'status_code'> = {
  name: 'http_request_duration_seconds',
  help: 'Time from receiving an HTTP request to finishing its response, in seconds.',
  labelNames: ['method', 'route', 'status_code'],
  buckets: HTTP_DURATION_BUCKETS,
};
export const HTTP_REQUESTS_IN_FLIGHT: MetricDef<'method' | 'route'> = {
  name: 'http_requests_in_flight',
  help: 'HTTP requests received whose response has not finished yet.',
  labelNames: ['method', 'route'],
};

// --- Jobs -------------------------------------------------------------------------------------

/** Job modules as label values (the permission prefixes, with underscores). */
export const JOB_MODULES = ['valuation', 'reporting', 'market_analysis', 'gis_export'] as const;
export type JobModule = (typeof JOB_MODULES)[number];

/** What happened to a submission: a new job, an idempotent replay of an existing one, or refused. */
export const SUBMIT_STATUSES = ['accepted', 'duplicate', 'rejected'] as const;
export type SubmitStatus = (typeof SUBMIT_STATUSES)[number];

/** Why a job failed; anything else is recorded as `other`. */
export const FAILURE_REASONS = ['invalid_input', 'insufficient_data', 'timeout', 'internal_error'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface JobFamilyDef {
  module: JobModule;
  /** Metric name prefix, as in the original services (`report_…` for the reporting module). */
  prefix: string;
  /** The module's own bounded label (report_type …) and its allowed values. */
  kind?: { label: string; values: readonly string[] };
  buckets: readonly number[];
}

export const JOB_FAMILIES: Record<JobModule, JobFamilyDef> = {
  valuation: { module: 'valuation', prefix: 'valuation', buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60] },
  reporting: {
    module: 'reporting',
    prefix: 'report',
    kind: { label: 'report_type', values: ['ratio_study', 'assessment_roll'] },
    buckets: [0.5, 1, 5, 10, 30, 60, 120, 300],
  },
  market_analysis: {
    module: 'market_analysis',
    prefix: 'market_analysis',
    kind: { label: 'analysis_type', values: ['price_trend', 'neighborhood_comparison'] },
    buckets: [1, 5, 10, 30, 60, 120, 300, 600],
  },
  gis_export: {
    module: 'gis_export',
    prefix: 'gis_export',
    kind: { label: 'export_format', values: ['geojson', 'csv', 'kml', 'shapefile'] },
    buckets: [5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  },
};

/** Names and HELP texts of one module's job family. */
export function jobFamilyDefs(family: JobFamilyDef): {
  submitted: MetricDef;
  completed: MetricDef;
  failed: MetricDef;
  duration: HistogramDef;
} {
  const kind = family.kind ? [family.kind.label] : [];
  const what = family.module.replace('_', ' ');
  return {
    submitted: {
      name: `${family.prefix}_jobs_submitted_total`,
      help: `${capitalise(what)} jobs submitted, by county and the job status the submission answered with.`,
      labelNames: ['county_id', 'status_on_submit', ...kind],
    },
    completed: {
      name: `${family.prefix}_jobs_completed_total`,
      help: `${capitalise(what)} jobs that completed successfully.`,
      labelNames: ['county_id', ...kind],
    },
    failed: {
      name: `${family.prefix}_jobs_failed_total`,
      help: `${capitalise(what)} jobs that failed for good (after retries), by failure reason.`,
      labelNames: ['county_id', 'failure_reason', ...kind],
    },
    duration: {
      name: `${family.prefix}_processing_duration_seconds`,
      help: `Processing time of ${what} jobs that completed successfully, in seconds.`,
      labelNames: ['county_id', ...kind],
      buckets: family.buckets,
    },
  };
}

/** Stages of the engines' work, as `stage` label values of job_stage_duration_seconds. */
export const JOB_STAGES = ['load', 'fit', 'compute', 'write'] as const;
export type JobStage = (typeof JOB_STAGES)[number];
export const JOB_STAGE_DURATION: HistogramDef<'module' | 'stage'> = {
  name: 'job_stage_duration_seconds',
  help: 'Time of one stage (load, fit, compute, write) of a job engine, by module and stage, in seconds.',
  labelNames: ['module', 'stage'],
  buckets: JOB_STAGE_BUCKETS,
};

export const JOBS_QUEUED: MetricDef<'module'> = {
  name: 'jobs_queued',
  help: 'Jobs waiting to be processed, by module.',
  labelNames: ['module'],
};
export const JOBS_RUNNING: MetricDef<'module'> = {
  name: 'jobs_running',
  help: 'Jobs being processed right now, by module.',
  labelNames: ['module'],
};
export const GIS_EXPORT_BYTES: MetricDef<'county_id' | 'export_format'> = {
  name: 'gis_export_bytes_total',
  help: 'Bytes written to GIS export files.',
  labelNames: ['county_id', 'export_format'],
};
/** GIS export files in the artifact store: a file written (upload committed), read (download), deleted. */
export const ARTIFACT_OPERATIONS = ['write', 'read', 'delete'] as const;
export type ArtifactOperation = (typeof ARTIFACT_OPERATIONS)[number];
/** A small file's commit takes milliseconds; a state-sized export's upload or download, minutes. */
export const ARTIFACT_OPERATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800] as const;
export const ARTIFACT_OPERATION_DURATION: HistogramDef<'operation'> = {
  name: 'artifact_operation_duration_seconds',
  help: 'Time of GIS export file operations in the artifact store (write: upload to commit, read: a whole download, delete), in seconds.',
  labelNames: ['operation'],
  buckets: ARTIFACT_OPERATION_BUCKETS,
};
export const GIS_EXPORT_FEATURES: MetricDef<'county_id' | 'export_format'> = {
  name: 'gis_export_features_total',
  help: 'Features written to GIS export files.',
  labelNames: ['county_id', 'export_format'],
};

// --- Database ---------------------------------------------------------------------------------

export const DB_CONNECTIONS_ACTIVE: MetricDef<never> = {
  name: 'db_connections_active',
  help: 'Connections of the application pool checked out by a query or transaction.',
  labelNames: [],
};
export const DB_CONNECTIONS_IDLE: MetricDef<never> = {
  name: 'db_connections_idle',
  help: 'Open connections of the application pool waiting for work.',
  labelNames: [],
};
export const DB_CONNECTIONS_WAITING: MetricDef<never> = {
  name: 'db_connections_waiting',
  help: 'Callers waiting for a connection because the application pool is exhausted.',
  labelNames: [],
};
export const DB_OPERATIONS = ['select', 'insert', 'update', 'delete', 'copy', 'other'] as const;
export type DbOperation = (typeof DB_OPERATIONS)[number];
export const DB_QUERY_DURATION: HistogramDef<'operation'> = {
  name: 'db_query_duration_seconds',
  help: 'Time of statements on the application pool, by SQL operation, in seconds.',
  labelNames: ['operation'],
  buckets: DB_QUERY_BUCKETS,
};

// --- Auth -------------------------------------------------------------------------------------

/** Outcome of authenticating a request (the auth layer's AuthAttemptResult). */
export const AUTH_RESULTS = [
  'success',
  'missing',
  'malformed',
  'expired',
  'not_yet_valid',
  'invalid_signature',
  'invalid_algorithm',
  'invalid_issuer',
  'invalid_audience',
  'invalid_claims',
  'invalid',
] as const satisfies readonly AuthAttemptResult[];
export type AuthResult = (typeof AUTH_RESULTS)[number];
/** rate_limit_exceeded_total{key_type} values (the auth layer's RateLimitKeyType). */
export const RATE_LIMIT_KEY_TYPES = ['ip', 'subject'] as const satisfies readonly RateLimitKeyType[];

export const AUTH_ATTEMPTS: MetricDef<'result'> = {
  name: 'auth_attempts_total',
  help: 'Authentication attempts on protected routes, by result.',
  labelNames: ['result'],
};
export const AUTHZ_DENIED: MetricDef<'permission'> = {
  name: 'authz_denied_total',
  help: 'Authenticated requests refused for a missing permission, by the permission.',
  labelNames: ['permission'],
};
export const RATE_LIMIT_EXCEEDED: MetricDef<'key_type'> = {
  name: 'rate_limit_exceeded_total',
  help: 'Requests refused with 429 by the rate limiter, by what the limit was keyed on.',
  labelNames: ['key_type'],
};

// --- Outbound ---------------------------------------------------------------------------------

/** Outcome of an outbound call: the HTTP status class, or why there was no status. */
export const EXTERNAL_STATUSES = [
  '2xx',
  '3xx',
  '4xx',
  '5xx',
  'timeout',
  'network_error',
  'circuit_open',
  'error',
] as const;
export type ExternalStatus = (typeof EXTERNAL_STATUSES)[number];
export const CIRCUIT_STATES = { closed: 0, half_open: 1, open: 2 } as const;
export type CircuitState = keyof typeof CIRCUIT_STATES;

export const EXTERNAL_CALLS: MetricDef<'service' | 'operation' | 'status'> = {
  name: 'external_service_calls_total',
  help: 'Outbound calls to other services (e.g. webhook callbacks), by service, operation and outcome.',
  labelNames: ['service', 'operation', 'status'],
};
export const EXTERNAL_DURATION: HistogramDef<'service' | 'operation'> = {
  name: 'external_service_duration_seconds',
  help: 'Time of outbound calls to other services, in seconds.',
  labelNames: ['service', 'operation'],
  buckets: EXTERNAL_DURATION_BUCKETS,
};
export const CIRCUIT_BREAKER_STATE: MetricDef<'service'> = {
  name: 'circuit_breaker_state',
  help: 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open.',
  labelNames: ['service'],
};
export const CIRCUIT_BREAKER_FAILURES: MetricDef<'service'> = {
  name: 'circuit_breaker_failures_total',
  help: 'Failed outbound calls counted by the circuit breaker of a service (each one brings the circuit closer to open).',
  labelNames: ['service'],
};

// --- Errors and build -------------------------------------------------------------------------

/** The error classes of errors_total, from the problem status. */
export const ERROR_TYPES = ['validation', 'auth', 'not_found', 'conflict', 'rate_limit', 'client', 'internal'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];
export const ERRORS_TOTAL: MetricDef<'type' | 'route'> = {
  name: 'errors_total',
  help: 'Error responses (problem+json) by error class and route template.',
  labelNames: ['type', 'route'],
};
export const BUILD_INFO: MetricDef<'version' | 'commit' | 'node_version'> = {
  name: 'terrafusion_build_info',
  help: 'Version, commit and Node.js version of the running build; the value is always 1.',
  labelNames: ['version', 'commit', 'node_version'],
};

/**
 * prom-client default metrics that are gauges named `…_total`; promtool rejects a non-counter with
 * that suffix, and the same numbers are exposed by type as nodejs_active_handles{type} etc.
 */
export const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Event-loop lag is sampled at this resolution (prom-client default metrics). */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 10;
export const GC_DURATION_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5] as const;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
