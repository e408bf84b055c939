// Fixed-window request counters per key (client address, token subject), bounded in memory.
// Per replica: with N replicas a client gets up to N× the limit, which is what this layer is for
// (abuse, runaway scripts); an exact global quota belongs at the ingress.

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets (≥ 1). */
  retryAfterSeconds: number;
}

interface Window {
  count: number;
  resetAt: number;
}

const MAX_KEYS = 100_000;

export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return {
      allowed: window.count <= this.limit,
      remaining: Math.max(0, this.limit - window.count),
      retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    };
  }

  /** Drops expired windows; when every key is live (a flood of distinct keys), drops the oldest half. */
  sweep(now = this.now()): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) {
      let drop = Math.floor(this.windows.size / 2);
      for (const key of this.windows.keys()) {
        if (drop-- <= 0) break;
        this.windows.delete(key);
      }
    }
  }

  get size(): number {
    return this.windows.size;
  }
}
