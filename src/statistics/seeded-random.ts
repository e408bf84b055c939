// A small seeded pseudo-random stream for resampling (bootstrap intervals): mulberry32, 32 bits of state, the same
// sequence for the same seed on every platform. Not for anything that needs unpredictability.

/** mulberry32: a fast 32-bit generator with a full period of 2^32. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n), n ≤ 2^32 (multiply-shift; the bias is below n / 2^32). */
  index(n: number): number {
    return Math.floor((this.nextUint32() * n) / 4294967296);
  }
}

/**
 * A 32-bit seed for one named stream of a run (e.g. one stratum of a study), derived from the run's seed and the
 * stream's key with FNV-1a and a final mix, so each stream is reproducible on its own: the figures of a stratum do not
 * depend on which other strata the run computed.
 */
export function streamSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= seed >>> 16;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
