// pg-boss in the service's own PostgreSQL (schema `pgboss`): one queue per module. A queue entry only
// says "run job X now (or after T)"; the jobs table is the record. Retries are new entries sent by the
// platform (with backoff), so pg-boss itself never retries (retryLimit 0) and an entry whose worker
// died simply expires — the platform's stale-worker sweep requeues the job. Workers are this module's
// own fetch/complete loops (see work()).
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { JobModuleName } from './job.entity.js';

export const PGBOSS_SCHEMA = 'pgboss';

export function queueName(module: JobModuleName): string {
  return `tf-${module}`;
}

export interface QueueMessage {
  job_id: string;
}

export interface JobQueueOptions {
  connectionString: string;
  poolMax: number;
  pollIntervalMs: number;
  /** pg-boss expiry per module (seconds): the platform's own time limit plus a grace period. */
  expireInSeconds: (module: JobModuleName) => number;
}

export type QueueHandler = (entry: { id: string; data: QueueMessage }) => Promise<void>;

export class JobQueue {
  private readonly logger = new Logger('JobQueue');
  private boss?: PgBoss;
  private started = false;
  private stopping = false;
  private lastError?: { at: number; message: string };
  /** When a queue call last succeeded: a success after the last error means the queue is back. */
  private lastSuccessAt = 0;
  private readonly wakers = new Map<JobModuleName, Set<() => void>>();
  private loops: Promise<void>[] = [];
  private workersStopping = false;

  constructor(private readonly options: JobQueueOptions) {}

  get running(): boolean {
    return this.started && !this.stopping;
  }

  async start(modules: readonly JobModuleName[]): Promise<void> {
    const boss = new PgBoss({
      connectionString: this.options.connectionString,
      schema: PGBOSS_SCHEMA,
      max: this.options.poolMax,
      application_name: 'terrafusion-jobs',
      schedule: false,
      supervise: true,
      migrate: true,
      maintenanceIntervalSeconds: 60,
    });
    // An EventEmitter 'error' without a listener would crash the process.
    boss.on('error', (error: Error) => {
      this.lastError = { at: Date.now(), message: error.message };
      this.logger.warn(`Queue error: ${error.message}`);
    });
    await boss.start();
    this.boss = boss;
    for (const module of modules) {
      const settings = {
        name: queueName(module),
        policy: 'standard' as const,
        retryLimit: 0,
        expireInSeconds: this.options.expireInSeconds(module),
        retentionMinutes: 60 * 24 * 14,
      };
      await boss.createQueue(queueName(module), settings);
      await boss.updateQueue(queueName(module), settings);
    }
    this.started = true;
  }

  private get instance(): PgBoss {
    if (!this.boss || !this.started) throw new Error('The job queue is not running');
    return this.boss;
  }

  /**
   * Sends a queue entry for `jobId` through `client` (so it commits or rolls back with the caller's
   * transaction). Returns the entry's id, the fencing token the jobs row must carry.
   */
  async send(
    client: pg.ClientBase,
    module: JobModuleName,
    jobId: string,
    entryId: string = randomUUID(),
    delaySeconds = 0,
  ): Promise<string> {
    const message: QueueMessage = { job_id: jobId };
    await this.instance.send(queueName(module), message, {
      id: entryId,
      ...(delaySeconds > 0 ? { startAfter: Math.ceil(delaySeconds) } : {}),
      db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
    });
    return entryId;
  }

  /** Wakes this process's idle workers of `module` (entries sent here are picked up without a poll delay). */
  notify(module: JobModuleName): void {
    for (const wake of this.wakers.get(module) ?? []) wake();
  }

  /**
   * Starts `concurrency` workers on the module's queue, each fetching and handling one entry at a time.
   * Own loops over fetch/complete rather than pg-boss' work(): every queue call is awaited and its
   * failure handled (a database outage must not become an unhandled rejection), and the handler's own
   * errors never reach pg-boss (retries are the platform's, see the header).
   */
  work(module: JobModuleName, concurrency: number, handler: QueueHandler): void {
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop(module, handler));
  }

  private async loop(module: JobModuleName, handler: QueueHandler): Promise<void> {
    const name = queueName(module);
    let failures = 0;
    while (!this.workersStopping) {
      let entry: { id: string; data: QueueMessage } | undefined;
      try {
        entry = (await this.instance.fetch<QueueMessage>(name, { batchSize: 1 }))?.[0];
        failures = 0;
        this.lastSuccessAt = Date.now();
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 60 === 0) {
          this.logger.warn(`Fetching from ${name} failed (${failures}x): ${(error as Error).message}`);
        }
      }
      if (!entry) {
        await this.idle(
          module,
          failures > 0
            ? Math.min(5_000, this.options.pollIntervalMs * 2 ** Math.min(failures, 5))
            : this.options.pollIntervalMs,
        );
        continue;
      }
      try {
        await handler({ id: entry.id, data: entry.data });
      } catch (error) {
        this.logger.error(`Handling ${name} entry ${entry.id} failed: ${(error as Error).message}`);
      }
      // The jobs row is the record; an entry left active (database away) just expires later.
      await this.instance.complete(name, entry.id).catch((error: Error) => {
        this.logger.warn(`Completing ${name} entry ${entry.id} failed: ${error.message}`);
      });
    }
  }

  /** Sleeps up to `ms`, or until notify(module) / stopWorkers(). */
  private idle(module: JobModuleName, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(module) ?? new Set<() => void>();
      this.wakers.set(module, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  /** Stops fetching new entries; resolves when every worker loop ended (entries in hand finish first). */
  async stopWorkers(): Promise<void> {
    this.workersStopping = true;
    for (const set of this.wakers.values()) for (const wake of [...set]) wake();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  /** Best effort: the entry will not be fetched any more (the jobs row is what counts). */
  async cancel(module: JobModuleName, entryId: string): Promise<void> {
    await this.boss?.cancel(queueName(module), entryId).catch(() => undefined);
  }

  /** Queue readiness: started, not stopping, and no queue error in the last 30 s unless a call succeeded since. */
  healthy(): boolean {
    if (!this.running) return false;
    const error = this.lastError;
    return !error || this.lastSuccessAt > error.at || Date.now() - error.at > 30_000;
  }

  async stop(timeoutMs: number): Promise<void> {
    if (!this.boss || this.stopping) return;
    this.stopping = true;
    const boss = this.boss;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      boss.once('stopped', done);
      boss.stop({ graceful: true, wait: true, close: true, timeout: Math.max(1000, timeoutMs) }).catch((error) => {
        this.logger.warn(`Stopping the queue: ${(error as Error).message}`);
        resolve();
      });
      // pg-boss resolves stop() before its graceful wait ends; 'stopped' marks the real end.
      setTimeout(done, Math.max(1000, timeoutMs) + 2000).unref();
    });
    this.started = false;
  }
}
