// The `jobs` table: one row per submitted job, the platform's record of status, attempts, timing,
// outcome and idempotency. pg-boss (schema `pgboss`) only carries the queue entry that wakes a worker.
import { Column, Entity, PrimaryColumn } from 'typeorm';

export const JOB_MODULES = ['valuation', 'reporting', 'market-analysis', 'gis-export'] as const;
/** Module names as they appear in routes and job documents. */
export type JobModuleName = (typeof JOB_MODULES)[number];

export const JOB_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** Why a job failed: the fixed set shown to clients and used as the metrics' failure_reason. */
export const JOB_ERROR_REASONS = ['invalid_input', 'insufficient_data', 'timeout', 'internal_error'] as const;
export type JobErrorReason = (typeof JOB_ERROR_REASONS)[number];

export type CallbackState = 'pending' | 'delivered' | 'failed' | 'refused';

/** Where a job's file lives (gis-export); the platform only stores the reference. */
export interface ArtifactRef {
  storage: string;
  key: string;
  content_type: string;
  filename: string;
  bytes: number;
  sha256: string;
}

@Entity({ name: 'jobs' })
export class Job {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  module: JobModuleName;

  @Column({ type: 'text', name: 'county_id' })
  countyId: string;

  /** The module's own label: report_type, analysis_type, export_format (null for valuation). */
  @Column({ type: 'text', nullable: true })
  kind: string | null;

  @Column({ type: 'jsonb' })
  parameters: Record<string, unknown>;

  @Column({ type: 'text', default: 'PENDING' })
  status: JobStatus;

  @Column({ type: 'real', default: 0 })
  progress: number;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'integer', name: 'max_attempts' })
  maxAttempts: number;

  @Column({ type: 'timestamptz', name: 'submitted_at' })
  submittedAt: Date;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'attempt_started_at', nullable: true })
  attemptStartedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'heartbeat_at', nullable: true })
  heartbeatAt: Date | null;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'text', name: 'worker_id', nullable: true })
  workerId: string | null;

  /** The pg-boss job allowed to run this job now (a fencing token: older queue entries are ignored). */
  @Column({ type: 'uuid', name: 'queue_job_id', nullable: true })
  queueJobId: string | null;

  @Column({ type: 'text', name: 'error_reason', nullable: true })
  errorReason: JobErrorReason | null;

  @Column({ type: 'text', name: 'error_message', nullable: true })
  errorMessage: string | null;

  @Column({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  artifact: ArtifactRef | null;

  @Column({ type: 'text', name: 'idempotency_key', nullable: true })
  idempotencyKey: string | null;

  @Column({ type: 'text', name: 'request_hash', nullable: true })
  requestHash: string | null;

  @Column({ type: 'text', name: 'requested_by' })
  requestedBy: string;

  @Column({ type: 'text', name: 'callback_url', nullable: true })
  callbackUrl: string | null;

  @Column({ type: 'text', name: 'callback_state', nullable: true })
  callbackState: CallbackState | null;

  @Column({ type: 'integer', name: 'callback_attempts', default: 0 })
  callbackAttempts: number;

  @Column({ type: 'boolean', name: 'cancel_requested', default: false })
  cancelRequested: boolean;
}
