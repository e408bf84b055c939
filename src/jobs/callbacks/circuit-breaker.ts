// A circuit breaker per callback host: closed → open after `threshold` consecutive failures; after
// `cooldownMs` one trial call is let through (half-open); its success closes the circuit, its failure
// opens it again.
import type { CircuitState } from '../../observability/metric-names.js';

export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly onChange: (state: CircuitState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): CircuitState {
    return this.state;
  }

  /** Whether a call may go out now (in half-open: only one trial at a time). */
  tryAcquire(): boolean {
    if (this.state === 'open' && this.now() - this.openedAt >= this.cooldownMs) this.set('half_open');
    if (this.state === 'closed') return true;
    if (this.state === 'half_open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.trialInFlight = false;
    this.failures = 0;
    this.set('closed');
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.state === 'half_open' || this.failures >= this.threshold) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private set(state: CircuitState): void {
    if (state === this.state) return;
    this.state = state;
    this.onChange(state);
  }
}
