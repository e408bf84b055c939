// Nest providers for the catalogue's metric families (@willsoto/nestjs-prometheus), so the module that
// owns a family declares it in its `providers` and injects it with @InjectMetric(name). Every family is
// created on prom-client's global registry, once per process (a second app in the same process, as in
// the tests, gets the same instance); values of gauges are set by their owners, never by a `collect`
// closure, so nothing holds on to a closed app.
import type { Provider } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { HistogramDef, MetricDef } from './metric-names.js';

export function counterProvider(def: MetricDef): Provider {
  return makeCounterProvider({ name: def.name, help: def.help, labelNames: [...def.labelNames] });
}

export function gaugeProvider(def: MetricDef): Provider {
  return makeGaugeProvider({ name: def.name, help: def.help, labelNames: [...def.labelNames] });
}

export function histogramProvider(def: HistogramDef): Provider {
  return makeHistogramProvider({
    name: def.name,
    help: def.help,
    labelNames: [...def.labelNames],
    buckets: [...def.buckets],
  });
}
