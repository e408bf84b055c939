// The outbound-call families of the job platform: every callback delivery attempt by
// service (one per callback host, capped) and outcome, its duration, and each host's circuit state.
import { Injectable, type Provider } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { enumLabel, newOperationLabels, newServiceLabels } from '../../observability/labels.js';
import {
  CIRCUIT_BREAKER_FAILURES,
  CIRCUIT_BREAKER_STATE,
  CIRCUIT_STATES,
  EXTERNAL_CALLS,
  EXTERNAL_DURATION,
  EXTERNAL_STATUSES,
  type CircuitState,
} from '../../observability/metric-names.js';
import { counterProvider, gaugeProvider, histogramProvider } from '../../observability/metric-providers.js';

@Injectable()
export class CallbackMetrics {
  private readonly services = newServiceLabels();
  private readonly operations = newOperationLabels();

  constructor(
    @InjectMetric(EXTERNAL_CALLS.name) private readonly calls: Counter<string>,
    @InjectMetric(EXTERNAL_DURATION.name) private readonly duration: Histogram<string>,
    @InjectMetric(CIRCUIT_BREAKER_STATE.name) private readonly circuit: Gauge<string>,
    @InjectMetric(CIRCUIT_BREAKER_FAILURES.name) private readonly breakerFailures: Counter<string>,
  ) {}

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
    this.calls.inc({ service: s, operation: op, status: outcome });
    if (Number.isFinite(seconds) && seconds >= 0) this.duration.observe({ service: s, operation: op }, seconds);
  }

  /** A call the service's breaker counted as failed. */
  recordBreakerFailure(service: string): void {
    this.breakerFailures.inc({ service: this.services.map(service) });
  }

  /** Shows the service's series (at 0) before its first failure, so rate() and alerts see it start. */
  initBreakerFailures(service: string): void {
    this.breakerFailures.inc({ service: this.services.map(service) }, 0);
  }

  setCircuitState(service: string, state: CircuitState): void {
    const value = CIRCUIT_STATES[state];
    if (value !== undefined) this.circuit.set({ service: this.services.map(service) }, value);
  }
}

export const CALLBACK_METRIC_PROVIDERS: Provider[] = [
  counterProvider(EXTERNAL_CALLS),
  histogramProvider(EXTERNAL_DURATION),
  gaugeProvider(CIRCUIT_BREAKER_STATE),
  counterProvider(CIRCUIT_BREAKER_FAILURES),
  CallbackMetrics,
];
