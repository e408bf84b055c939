// @Timed('valuation_regression_fit_seconds', { labels: { method: 'regression' } }): times every call of a
// method (sync or async) into that histogram with `outcome="success"|"error"`, so `_count` by outcome is
// the call counter. Labels are static — fixed at the decoration site — so they are bounded by the code.
import type { Histogram } from 'prom-client';
import { activeMetrics, type MetricsService } from '../metrics.service.js';

export interface TimedOptions {
  /** Static labels of this call site (names snake_case; `outcome` and `le` are reserved). */
  labels?: Record<string, string>;
  /** Bucket upper bounds in seconds; TIMED_DEFAULT_BUCKETS when omitted. */
  buckets?: readonly number[];
  help?: string;
}

const METRIC_NAME = /^[a-z_][a-z0-9_]*_seconds$/;
const LABEL_NAME = /^[a-z_][a-z0-9_]*$/;

export function Timed(name: string, options: TimedOptions = {}): MethodDecorator {
  if (!METRIC_NAME.test(name)) {
    throw new Error(`@Timed("${name}"): a duration histogram name is snake_case and ends in _seconds`);
  }
  const labels = { ...(options.labels ?? {}) };
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(key) || key === 'outcome' || key === 'le' || key.startsWith('__')) {
      throw new Error(`@Timed("${name}"): invalid label name "${key}"`);
    }
    if (typeof value !== 'string') throw new Error(`@Timed("${name}"): label ${key} must be a string`);
  }
  const labelNames = Object.keys(labels).sort();
  const success = { ...labels, outcome: 'success' };
  const failure = { ...labels, outcome: 'error' };
  const histograms = new WeakMap<MetricsService, Histogram<string>>();
  const histogramOf = (metrics: MetricsService) => {
    let h = histograms.get(metrics);
    if (!h) {
      h = metrics.timedHistogram(name, labelNames, options.buckets, options.help);
      histograms.set(metrics, h);
    }
    return h;
  };

  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new Error(`@Timed("${name}") decorates methods only`);
    descriptor.value = function timed(this: unknown, ...args: unknown[]) {
      const metrics = activeMetrics();
      if (!metrics) return original.apply(this, args);
      const histogram = histogramOf(metrics);
      const start = performance.now();
      const observe = (labelSet: Record<string, string>) =>
        histogram.observe(labelSet, (performance.now() - start) / 1000);
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (error) {
        observe(failure);
        throw error;
      }
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        return (result as Promise<unknown>).then(
          (value) => {
            observe(success);
            return value;
          },
          (error: unknown) => {
            observe(failure);
            throw error;
          },
        );
      }
      observe(success);
      return result;
    };
    copyMetadata(original, descriptor.value as object);
    return descriptor;
  };
}

/** Nest reads route and guard metadata from the method; the wrapper must carry it along. */
export function copyMetadata(from: object, to: object): void {
  for (const key of Reflect.getMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, from), to);
  }
  Object.defineProperty(to, 'name', { value: (from as { name: string }).name });
}
