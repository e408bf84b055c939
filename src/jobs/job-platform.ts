// Runs queued jobs: claims an attempt, keeps its heartbeat, enforces the module's time limit, turns
// progress calls into cancellation points, classifies failures (transient → retried with backoff,
// permanent → FAILED), records metrics, announces the outcome to callbacks, and requeues jobs whose
// worker died. Modules only register a JobProcessor.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { DATABASE_URL } from '../database/database.tokens.js';
import { HealthRegistry } from '../health/health-registry.js';
import { jobMetricFamilyOf, jobMetricsToken } from '../observability/decorators/job-metric-family.decorator.js';
import type { JobMetrics } from '../observability/job-metrics.js';
import { JOBS_QUEUED, JOBS_RUNNING, type JobModule as MetricJobModule } from '../observability/metric-names.js';
import { MetricsService } from '../observability/metrics.service.js';
import { JobCallbacks } from './callbacks/job-callbacks.js';
import {
  afterAttemptError,
  clampProgress,
  staleJobAction,
  stopAfterHeartbeat,
  stopped,
  type HeartbeatAnswer,
} from './attempt-decisions.js';
import { classifyError } from './job-errors.js';
import type { JobContext, JobProcessor } from './job-processor.js';
import { jobLine } from './job-log.js';
import { JobQueue } from './job-queue.js';
import { JOB_MODULES, type ArtifactRef, type JobErrorReason, type JobModuleName } from './job.entity.js';
import { jobsConfig, type JobsSettings } from './jobs.config.js';
import { JobsRepository, type AttemptKey, type JobRow } from './jobs.repository.js';

/** A processor of any parameter type (the platform hands it the parameters stored with the job). */
type AnyJobProcessor = JobProcessor<never, unknown>;

/** Seconds pg-boss waits past a module's time limit before it expires a queue entry on its own. */
const EXPIRY_GRACE_S = 120;
/** Longest retry delay (seconds). */
const MAX_RETRY_DELAY_S = 3600;

export function metricModule(module: JobModuleName): MetricJobModule {
  return module.replace('-', '_') as MetricJobModule;
}

interface InFlight {
  key: AttemptKey;
  controller: AbortController;
  done: Promise<void>;
}

@Injectable()
export class JobPlatform implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly processors = new Map<JobModuleName, AnyJobProcessor>();
  /** Each module's job-metric family, as its processor declared it (@JobMetricFamily). */
  private readonly jobMetrics = new Map<JobModuleName, JobMetrics>();
  private stopRefreshingCounts?: () => void;
  private readonly inFlight = new Map<string, InFlight>();
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly queue: JobQueue;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private shuttingDown = false;

  constructor(
    @Inject(jobsConfig.KEY) private readonly settings: JobsSettings,
    @Inject(DATABASE_URL) databaseUrl: string,
    private readonly repository: JobsRepository,
    private readonly callbacks: JobCallbacks,
    private readonly metrics: MetricsService,
    @InjectMetric(JOBS_QUEUED.name) private readonly queuedGauge: Gauge<string>,
    @InjectMetric(JOBS_RUNNING.name) private readonly runningGauge: Gauge<string>,
    private readonly moduleRef: ModuleRef,
    private readonly health: HealthRegistry,
    @Optional() private readonly indicators?: HealthIndicatorService,
  ) {
    this.queue = new JobQueue({
      connectionString: databaseUrl,
      poolMax: settings.dbPoolMax,
      pollIntervalMs: settings.pollIntervalMs,
      expireInSeconds: (module) => settings.timeLimitSeconds(module) + EXPIRY_GRACE_S,
    });
  }

  /** Called by a module (in its onModuleInit) to process its queue. */
  register(processor: AnyJobProcessor): void {
    if (this.processors.get(processor.module) === processor) return;
    if (this.processors.has(processor.module)) {
      throw new Error(`A processor for "${processor.module}" jobs is already registered`);
    }
    this.processors.set(processor.module, processor);
    const family = jobMetricFamilyOf(processor.constructor);
    if (family) {
      this.jobMetrics.set(processor.module, this.moduleRef.get(jobMetricsToken(family.module), { strict: false }));
    }
  }

  /** The module's job-metric family; undefined until its processor registered. */
  metricsOf(module: JobModuleName): JobMetrics | undefined {
    return this.jobMetrics.get(module);
  }

  hasProcessor(module: JobModuleName): boolean {
    return this.processorFor(module) !== undefined;
  }

  private processorFor(module: JobModuleName): AnyJobProcessor | undefined {
    return this.processors.get(module);
  }

  maxAttempts(): number {
    return this.settings.retryLimit + 1;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.start(JOB_MODULES);
    this.health.register('job_queue', async () => {
      const up = this.queue.healthy();
      if (this.indicators) {
        const indicator = this.indicators.check('job_queue');
        return up ? indicator.up() : indicator.down();
      }
      return { job_queue: { status: up ? 'up' : 'down' } };
    });
    this.health.registerDetail('queues', () => this.queueReport());
    this.health.registerDetail('external_services', () => this.callbacks.hostReports());
    for (const module of JOB_MODULES) {
      this.queuedGauge.set({ module: metricModule(module) }, 0);
      this.runningGauge.set({ module: metricModule(module) }, 0);
    }
    // Queue depths: one grouped count per scrape (modules with no unfinished job read 0).
    this.stopRefreshingCounts = this.metrics.addScrapeRefresher(async () => {
      const counts = new Map<JobModuleName, { queued: number; running: number }>();
      for (const row of await this.repository.unfinishedCounts()) {
        const c = counts.get(row.module) ?? { queued: 0, running: 0 };
        if (row.status === 'PENDING') c.queued = row.n;
        else c.running = row.n;
        counts.set(row.module, c);
      }
      for (const module of JOB_MODULES) {
        const c = counts.get(module);
        this.queuedGauge.set({ module: metricModule(module) }, c?.queued ?? 0);
        this.runningGauge.set({ module: metricModule(module) }, c?.running ?? 0);
      }
    });
    if (this.settings.workersEnabled) {
      for (const module of JOB_MODULES.filter((m) => this.hasProcessor(m))) {
        this.queue.work(module, this.settings.concurrency, (entry) => this.runEntry(module, entry));
      }
    }
    // Recover jobs of workers that died (kill -9, lost node) now, then periodically.
    await this.sweep().catch((error) => this.logger.warn(`Stale-job sweep failed: ${(error as Error).message}`));
    const every = Math.max(250, Math.floor(this.settings.staleAfterMs / 2));
    this.sweepTimer = setInterval(() => void this.sweepSafely(), every);
    this.sweepTimer.unref();
  }

  /**
   * Stops taking new entries, gives running attempts JOBS_SHUTDOWN_TIMEOUT_MS to finish, then stops the
   * rest at their next progress step (they are requeued without counting an attempt). Runs before the
   * database pool closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    clearInterval(this.sweepTimer);
    this.stopRefreshingCounts?.();
    this.health.unregister('job_queue');
    this.health.unregisterDetail('queues');
    this.health.unregisterDetail('external_services');
    const workersStopped = this.queue.stopWorkers();
    const settle = (ms: number) =>
      Promise.race([
        Promise.allSettled([...this.inFlight.values()].map((f) => f.done)),
        new Promise((r) => setTimeout(r, ms).unref()),
      ]);
    if (this.inFlight.size > 0) {
      this.logger.log(`Waiting up to ${this.settings.shutdownTimeoutMs} ms for ${this.inFlight.size} running job(s)`);
      await settle(this.settings.shutdownTimeoutMs);
    }
    if (this.inFlight.size > 0) {
      for (const f of this.inFlight.values()) f.controller.abort(stopped('shutdown'));
      await settle(2000);
    }
    await Promise.race([workersStopped, new Promise((r) => setTimeout(r, 1000).unref())]);
    await this.sweeping?.catch(() => undefined);
    await this.queue.stop(1000);
  }

  // --- one queue entry --------------------------------------------------------------------------

  private async runEntry(module: JobModuleName, entry: { id: string; data: { job_id?: string } }): Promise<void> {
    const jobId = entry.data?.job_id;
    // Fetched just as the process stops: left PENDING; the orphan sweep gives it a new queue entry.
    if (typeof jobId !== 'string' || this.shuttingDown) return;
    const row = await this.repository.startAttempt(jobId, entry.id, this.workerId);
    if (!row) return; // a stale entry (requeued elsewhere) or a job already finished or cancelled
    const key: AttemptKey = { id: row.id, attempt: row.attempts, queueJobId: entry.id };
    if (row.cancel_requested) {
      const cancelled = await this.repository.cancelAttempt(key);
      if (cancelled)
        this.logger.log(jobLine(row, `Job ${row.id} cancelled before its attempt ${row.attempts} started`));
      return;
    }
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const controller = new AbortController();
    this.inFlight.set(row.id, { key, controller, done });
    try {
      await this.runAttempt(module, row, key, controller);
    } finally {
      this.inFlight.delete(row.id);
      finish();
    }
  }

  private async runAttempt(
    module: JobModuleName,
    row: JobRow,
    key: AttemptKey,
    controller: AbortController,
  ): Promise<void> {
    const processor = this.processorFor(module)!;
    const signal = controller.signal;
    const limitS = this.settings.timeLimitSeconds(module);
    const started = performance.now();
    let artifact: ArtifactRef | null = null;

    const observe = (answer: HeartbeatAnswer) => {
      if (signal.aborted) return;
      const stop = stopAfterHeartbeat(answer);
      if (stop) controller.abort(stopped(stop));
    };
    const heartbeat = setInterval(() => {
      this.repository.touch(key).then(observe, (error: unknown) => {
        this.logger.warn(jobLine(row, `Heartbeat of job ${row.id} failed: ${(error as Error).message}`));
      });
    }, this.settings.heartbeatMs);
    heartbeat.unref();
    const limit = setTimeout(() => controller.abort(stopped('timeout', limitS)), limitS * 1000);
    limit.unref();

    const ctx: JobContext = {
      jobId: row.id,
      module,
      countyId: row.county_id,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      signal,
      progress: async (fraction: number) => {
        if (signal.aborted) throw signal.reason;
        observe(await this.repository.touch(key, clampProgress(fraction)));
        if (signal.aborted) throw signal.reason;
      },
      setArtifact: (ref) => {
        artifact = ref;
      },
    };

    // The attempt ends when the processor settles or the signal fires, whichever is first: a processor
    // that never reaches a progress step still cannot outlive its time limit.
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const result = await Promise.race([processor.process(row.parameters as never, ctx), aborted]);
      const finished = await this.repository.complete(key, result, artifact);
      if (finished) {
        this.metricsOf(module)?.completed(
          { countyId: row.county_id, kind: row.kind ?? undefined },
          (performance.now() - started) / 1000,
        );
        const seconds = (performance.now() - started) / 1000;
        this.logger.log(
          jobLine(row, `Job ${row.id} (${module}) completed in attempt ${row.attempts}`, {
            status: 'COMPLETED',
            duration_ms: Math.round(seconds * 1000),
          }),
        );
        this.callbacks.announce(finished);
        try {
          processor.completed?.(result as never, ctx);
        } catch (error) {
          this.logger.warn(jobLine(row, `After-completion step of job ${row.id} failed: ${(error as Error).message}`));
        }
      }
    } catch (error) {
      await this.onAttemptError(module, row, key, error);
    } finally {
      clearInterval(heartbeat);
      clearTimeout(limit);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async onAttemptError(module: JobModuleName, row: JobRow, key: AttemptKey, error: unknown): Promise<void> {
    const verdict = classifyError(error);
    const next = afterAttemptError(verdict, row.attempts, row.max_attempts);
    switch (next.action) {
      case 'cancel': {
        const cancelled = await this.repository.cancelAttempt(key);
        if (cancelled) this.logger.log(jobLine(row, `Job ${row.id} cancelled during attempt ${row.attempts}`));
        return;
      }
      case 'discard':
        this.logger.warn(
          jobLine(row, `Job ${row.id} attempt ${row.attempts} was superseded; its outcome is discarded`),
        );
        return;
      case 'retry': {
        const delay = next.backoff ? retryDelaySeconds(this.settings.retryDelaySeconds, row.attempts) : 0;
        if (next.backoff) {
          this.logger.warn(
            jobLine(
              row,
              `Job ${row.id} attempt ${row.attempts}/${row.max_attempts} failed transiently (${verdict.message}); ` +
                `retrying in ${delay.toFixed(1)} s`,
            ),
          );
        }
        await this.retry(module, row, key, next.countAttempt, delay, next.message);
        return;
      }
      case 'fail':
        if (next.logStack) {
          this.logger.error(jobLine(row, `Job ${row.id} failed: ${(error as Error)?.stack ?? verdict.message}`));
        }
        await this.failJob(module, row, key, next.reason, next.message);
        return;
    }
  }

  private async retry(
    module: JobModuleName,
    row: JobRow,
    key: AttemptKey,
    countAttempt: boolean,
    delaySeconds: number,
    message: string,
  ): Promise<void> {
    const entryId = randomUUID();
    const requeued = await this.repository.requeue(key, entryId, countAttempt, message, async (client) => {
      await this.queue.send(client, module, row.id, entryId, delaySeconds);
    });
    if (requeued && delaySeconds === 0) this.queue.notify(module);
  }

  private async failJob(
    module: JobModuleName,
    row: JobRow,
    key: AttemptKey,
    reason: JobErrorReason,
    message: string,
  ): Promise<void> {
    const failed = await this.repository.fail(key, reason, message);
    if (!failed) return;
    this.recordFailure(failed);
    this.logger.warn(
      jobLine(row, `Job ${row.id} (${module}) failed: ${reason}: ${message}`, { status: 'FAILED', reason }),
    );
  }

  private recordFailure(row: JobRow): void {
    this.metricsOf(row.module)?.failed({
      countyId: row.county_id,
      kind: row.kind ?? undefined,
      reason: row.error_reason ?? 'internal_error',
    });
    this.callbacks.announce(row);
  }

  // --- lost workers -----------------------------------------------------------------------------

  private async sweepSafely(): Promise<void> {
    if (this.sweeping || this.shuttingDown) return;
    this.sweeping = this.sweep()
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn(`Stale-job sweep failed: ${(error as Error).message}`),
      )
      .finally(() => (this.sweeping = undefined));
    await this.sweeping;
  }

  /**
   * RUNNING jobs whose worker has not sent a heartbeat for JOBS_STALE_AFTER_MS lost their worker
   * (killed, node gone, database cut off): requeued when attempts remain, else FAILED.
   * Returns the number of jobs recovered or failed.
   */
  async sweep(): Promise<number> {
    const failed: JobRow[] = [];
    const requeued = new Set<JobModuleName>();
    let count = 0;
    await this.repository.transaction(async (client) => {
      for (const row of await this.repository.staleRunning(client, this.settings.staleAfterMs)) {
        const action = staleJobAction(row, this.inFlight.get(row.id)?.key.attempt);
        if (action === 'skip') continue;
        if (action === 'requeue') {
          const entryId = randomUUID();
          if (await this.repository.requeueStale(client, row.id, row.attempts, entryId)) {
            await this.queue.send(client, row.module, row.id, entryId);
            requeued.add(row.module);
            count++;
            this.logger.warn(
              jobLine(row, `Job ${row.id}: worker ${row.worker_id ?? '?'} stopped responding; requeued`),
            );
          }
        } else {
          const f = await this.repository.failStale(
            client,
            row.id,
            row.attempts,
            `The worker stopped responding during attempt ${row.attempts} of ${row.max_attempts}; no attempts left.`,
          );
          if (f) {
            failed.push(f);
            count++;
          }
        }
      }
    });
    // PENDING jobs whose queue entry is gone (fetched by a stopping worker, removed by hand): a new entry.
    await this.repository.transaction(async (client) => {
      for (const row of await this.repository.orphanedPending(client)) {
        const entryId = randomUUID();
        await this.repository.reissue(client, row.id, row.queue_job_id, entryId);
        await this.queue.send(client, row.module, row.id, entryId);
        requeued.add(row.module);
        count++;
        this.logger.warn(jobLine(row, `Job ${row.id} had no live queue entry; requeued`));
      }
    });
    for (const module of requeued) this.queue.notify(module);
    for (const row of failed) this.recordFailure(row);
    return count;
  }

  /** Per module (every module, 0 when idle): jobs queued, running, and failed within the last hour. */
  private async queueReport(): Promise<Record<string, { queued: number; active: number; failed_last_hour: number }>> {
    const rows = new Map((await this.repository.queueCounts()).map((r) => [r.module, r]));
    return Object.fromEntries(
      JOB_MODULES.map((module) => {
        const r = rows.get(module);
        return [module, { queued: r?.queued ?? 0, active: r?.active ?? 0, failed_last_hour: r?.failed_last_hour ?? 0 }];
      }),
    );
  }

  /** Local request to stop a running attempt now (other replicas notice at their next heartbeat/progress). */
  interruptLocal(jobId: string): void {
    this.inFlight.get(jobId)?.controller.abort(stopped('cancelled'));
  }
}

/** Exponential backoff with jitter: base·2^(attempt-1), at most an hour, · [0.5, 1). `random` is in [0, 1). */
export function retryDelaySeconds(baseS: number, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(MAX_RETRY_DELAY_S, baseS * 2 ** Math.max(0, attempt - 1));
  return exp * (0.5 + random() / 2);
}
