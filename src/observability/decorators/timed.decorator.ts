// @Timed({ module: 'valuation', stage: 'fit' }) on an engine method times every call (sync or async,
// returned or thrown) into job_stage_duration_seconds{module,stage}. Labels are fixed at the decoration
// site, so they are bounded by the code. The histogram is the one MetricsService registered for the
// running app; with no app (a plain unit test of an engine) the method runs unmeasured.
import type { Histogram } from 'prom-client';
import { JOB_MODULES, JOB_STAGES, type JobModule, type JobStage } from '../metric-names.js';

export interface TimedStage {
  module: JobModule;
  stage: JobStage;
}

let stageHistogram: Histogram<'module' | 'stage'> | undefined;

/** Set by MetricsService when the app starts, cleared when it closes. */
export function setStageHistogram(histogram: Histogram<'module' | 'stage'> | undefined): void {
  stageHistogram = histogram;
}

export function Timed(stage: TimedStage): MethodDecorator {
  if (!JOB_MODULES.includes(stage.module) || !JOB_STAGES.includes(stage.stage)) {
    throw new Error(`@Timed: unknown module/stage ${stage.module}/${stage.stage}`);
  }
  const labels = { module: stage.module, stage: stage.stage };

  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new Error('@Timed decorates methods only');
    descriptor.value = function timed(this: unknown, ...args: unknown[]) {
      const histogram = stageHistogram;
      if (!histogram) return original.apply(this, args);
      const start = performance.now();
      const observe = () => histogram.observe(labels, (performance.now() - start) / 1000);
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (error) {
        observe();
        throw error;
      }
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        return (result as Promise<unknown>).finally(observe);
      }
      observe();
      return result;
    };
    copyMetadata(original, descriptor.value as object);
    return descriptor;
  };
}

/** Nest reads route and guard metadata from the method; the wrapper must carry it along. */
function copyMetadata(from: object, to: object): void {
  for (const key of Reflect.getMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, from), to);
  }
  Object.defineProperty(to, 'name', { value: (from as { name: string }).name });
}
