// Completion callbacks: the status document POSTed to the job's callback_url when it completes or fails,
// signed with WEBHOOK_SECRET, retried with backoff, behind a circuit breaker per host, only to allowed
// hosts. Delivery runs beside the job and never changes its outcome.
import { createHmac, randomUUID } from 'node:crypto';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { buildInfo } from '../../common/build-info.js';
import { statusDocument } from '../job-document.js';
import { jobLine } from '../job-log.js';
import type { CallbackState } from '../job.entity.js';
import { webhookConfig, type WebhookSettings } from '../jobs.config.js';
import { JobsRepository, type JobRow } from '../jobs.repository.js';
import { CallbackMetrics } from './callback-metrics.js';
import type { CircuitState } from '../../observability/metric-names.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { hostOf, resolveCallbackTarget, staticCallbackProblem, systemResolver, type Resolver } from './host-policy.js';

export const SIGNATURE_HEADER = 'x-terrafusion-signature';
const OPERATION = 'job_callback';
const MAX_BREAKERS = 1000;

/** `sha256=<hex HMAC-SHA256 of the exact body>`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The metrics `service` label of a host (bounded by the metrics layer). */
export function serviceLabel(host: string): string {
  return `webhook_${host.replace(/[^a-z0-9_.-]/g, '_')}`.slice(0, 63);
}

/** Outcomes older than this do not count in a host's error rate. */
const ERROR_RATE_WINDOW_MS = 60 * 60_000;
/** Outcomes kept per host for the error rate (the oldest go first). */
const MAX_OUTCOMES = 1000;

/** What /health/detailed shows of one callback host. */
export interface CallbackHostReport {
  host: string;
  /** The `service` label of its metrics. */
  service: string;
  circuit_state: CircuitState;
  last_success_at: string | null;
  last_failure_at: string | null;
  last_error: string | null;
  /** Calls that went out (circuit-open skips not counted) within the last hour. */
  calls_last_hour: number;
  /** Share of those calls that failed (null without calls). */
  error_rate: number | null;
}

interface HostRecord {
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  /** Time and success of recent calls, oldest first. */
  outcomes: Array<{ at: number; ok: boolean }>;
}

type Outcome = { ok: true; status: number } | { ok: false; retry: boolean; label: string | number; detail: string };

@Injectable()
export class JobCallbacks implements OnApplicationShutdown {
  private readonly logger = new Logger('JobCallbacks');
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly hosts = new Map<string, HostRecord>();
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  /** Replaceable in tests. */
  resolver: Resolver = systemResolver;

  constructor(
    @Inject(webhookConfig.KEY) private readonly settings: WebhookSettings,
    private readonly http: HttpService,
    private readonly metrics: CallbackMetrics,
    private readonly repository: JobsRepository,
  ) {}

  /** Why `url` cannot be accepted as a callback (at submission), or null. */
  submissionProblem(url: string): string | null {
    if (!this.settings.secret) {
      return 'callbacks are not enabled on this service (WEBHOOK_SECRET is not set)';
    }
    return staticCallbackProblem(url, this.settings.allowedHosts);
  }

  /** Starts delivery for a finished job with a callback_url (COMPLETED or FAILED); returns at once. */
  announce(row: JobRow): void {
    if (!row.callback_url || this.closed) return;
    if (row.status !== 'COMPLETED' && row.status !== 'FAILED') return;
    const delivery = this.deliver(row)
      .catch((error) => this.logger.warn(jobLine(row, `Callback of job ${row.id} failed: ${(error as Error).message}`)))
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Resolves when every delivery in progress has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const [t, wake] of this.timers) {
      clearTimeout(t);
      wake();
    }
    this.timers.clear();
  }

  breakerState(host: string): string {
    return this.breakers.get(host)?.current ?? 'closed';
  }

  /**
   * Every configured callback host (WEBHOOK_ALLOWED_HOSTS) and every host called since start: circuit
   * state, last success and failure, and the error rate of the last hour.
   */
  hostReports(now = Date.now()): CallbackHostReport[] {
    const names = new Set([...this.settings.allowedHosts, ...this.breakers.keys(), ...this.hosts.keys()]);
    return [...names].sort().map((host) => {
      const record = this.hosts.get(host);
      const recent = (record?.outcomes ?? []).filter((o) => now - o.at <= ERROR_RATE_WINDOW_MS);
      const failed = recent.filter((o) => !o.ok).length;
      return {
        host,
        service: serviceLabel(host),
        circuit_state: this.breakers.get(host)?.current ?? 'closed',
        last_success_at: iso(record?.lastSuccessAt),
        last_failure_at: iso(record?.lastFailureAt),
        last_error: record?.lastError ?? null,
        calls_last_hour: recent.length,
        error_rate: recent.length > 0 ? Math.round((failed / recent.length) * 1000) / 1000 : null,
      };
    });
  }

  private note(host: string, ok: boolean, error?: string): void {
    let record = this.hosts.get(host);
    if (!record) {
      if (this.hosts.size >= MAX_BREAKERS) {
        const oldest = this.hosts.keys().next().value;
        if (oldest !== undefined) this.hosts.delete(oldest);
      }
      record = { lastSuccessAt: null, lastFailureAt: null, lastError: null, outcomes: [] };
      this.hosts.set(host, record);
    }
    const at = Date.now();
    if (ok) record.lastSuccessAt = at;
    else {
      record.lastFailureAt = at;
      record.lastError = error ?? null;
    }
    record.outcomes.push({ at, ok });
    if (record.outcomes.length > MAX_OUTCOMES) record.outcomes.splice(0, record.outcomes.length - MAX_OUTCOMES);
  }

  private async deliver(row: JobRow): Promise<void> {
    const url = new URL(row.callback_url!);
    const host = hostOf(url);
    const service = serviceLabel(host);
    const secret = this.settings.secret;
    if (!secret) {
      await this.record(row.id, 'refused', 0);
      return;
    }
    const target = await resolveCallbackTarget(url, this.settings.allowedHosts, this.resolver).catch(
      (error: Error) => ({ refused: `cannot resolve host "${host}": ${error.message}` }),
    );
    if ('refused' in target) {
      this.logger.warn(jobLine(row, `Callback of job ${row.id} refused: ${target.refused}`));
      this.metrics.recordExternalCall(service, OPERATION, 'error', 0);
      await this.record(row.id, 'refused', 0);
      return;
    }
    const body = JSON.stringify(statusDocument(row));
    const signature = signBody(body, secret);
    const breaker = this.breaker(host, service);
    const event = row.status === 'COMPLETED' ? 'job.completed' : 'job.failed';
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt++) {
      if (this.closed) return;
      let outcome: Outcome;
      if (!breaker.tryAcquire()) {
        outcome = { ok: false, retry: true, label: 'circuit_open', detail: 'circuit open' };
        this.metrics.recordExternalCall(service, OPERATION, 'circuit_open', 0);
      } else {
        const started = performance.now();
        outcome = await this.post(url, body, signature, event, row.id, target);
        this.metrics.recordExternalCall(
          service,
          OPERATION,
          outcome.ok ? outcome.status : outcome.label,
          (performance.now() - started) / 1000,
        );
        if (outcome.ok) breaker.success();
        else {
          breaker.failure();
          this.metrics.recordBreakerFailure(service);
        }
        this.note(host, outcome.ok, outcome.ok ? undefined : outcome.detail);
      }
      if (outcome.ok) {
        await this.record(row.id, 'delivered', attempt);
        return;
      }
      if (!outcome.retry || attempt === this.settings.maxAttempts) {
        this.logger.warn(
          jobLine(row, `Callback of job ${row.id} gave up after ${attempt} attempt(s): ${outcome.detail}`, {
            callback_host: host,
          }),
        );
        await this.record(row.id, 'failed', attempt);
        return;
      }
      await this.record(row.id, 'pending', attempt);
      await this.sleep(this.settings.retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }

  private async post(
    url: URL,
    body: string,
    signature: string,
    event: string,
    jobId: string,
    target: { address: string; family: number },
  ): Promise<Outcome> {
    try {
      const response = await this.http.axiosRef.post(url.toString(), body, {
        headers: {
          'content-type': 'application/json',
          'user-agent': `TerraFusion-API/${buildInfo().version}`,
          [SIGNATURE_HEADER]: signature,
          'x-terrafusion-event': event,
          'x-terrafusion-delivery': randomUUID(),
          'x-terrafusion-job-id': jobId,
        },
        timeout: this.settings.timeoutMs,
        maxRedirects: 0,
        maxContentLength: 64 * 1024,
        responseType: 'text',
        transformRequest: [(data: unknown) => data],
        validateStatus: () => true,
        // Connect to the address that was checked, not to whatever the name resolves to next.
        lookup: (async () => [target.address, target.family]) as never,
        proxy: false,
      });
      const status = response.status;
      if (status >= 200 && status < 300) return { ok: true, status };
      // 408/429/5xx may pass; other answers (4xx, redirects) will not change by retrying.
      const retry = status >= 500 || status === 408 || status === 429;
      return { ok: false, retry, label: status, detail: `HTTP ${status}` };
    } catch (error) {
      const e = error as { code?: string; message?: string };
      const timeout = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '');
      return {
        ok: false,
        retry: true,
        label: timeout ? 'timeout' : 'network_error',
        detail: e.message ?? String(error),
      };
    }
  }

  private breaker(host: string, service: string): CircuitBreaker {
    let breaker = this.breakers.get(host);
    if (!breaker) {
      if (this.breakers.size >= MAX_BREAKERS) {
        const oldest = this.breakers.keys().next().value;
        if (oldest !== undefined) this.breakers.delete(oldest);
      }
      breaker = new CircuitBreaker(this.settings.breakerThreshold, this.settings.breakerCooldownMs, (state) =>
        this.metrics.setCircuitState(service, state),
      );
      this.metrics.setCircuitState(service, 'closed');
      this.metrics.initBreakerFailures(service);
      this.breakers.set(host, breaker);
    }
    return breaker;
  }

  private async record(jobId: string, state: CallbackState, attempts: number): Promise<void> {
    if (this.closed) return;
    await this.repository
      .setCallbackState(jobId, state, attempts)
      .catch((error: Error) => this.logger.warn(`Recording callback state of job ${jobId}: ${error.message}`));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.timers.set(t, resolve);
    });
  }
}

function iso(ms: number | null | undefined): string | null {
  return typeof ms === 'number' ? new Date(ms).toISOString() : null;
}
