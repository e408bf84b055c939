import { describe, expect, it } from '@jest/globals';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { parseExposition } from './exposition-parser.js';
import { MetricsRenderer } from './metrics-renderer.js';

function populated(): Registry {
  const reg = new Registry();
  const plain = new Counter({ name: 'plain_total', help: 'no labels', registers: [reg] });
  plain.inc(3);
  const labelled = new Counter({
    name: 'labelled_total',
    help: 'with "quotes" \\ and\nnewline',
    labelNames: ['a', 'b'],
    registers: [reg],
  });
  labelled.inc({ a: 'x', b: 'y' });
  labelled.inc({ b: 'y2', a: 'x2' }, 2); // other key order: kept as given, like stock
  labelled.inc({ a: 'we"ird\\va\nlue', b: '' }, 0.5);
  new Counter({ name: 'unused_total', help: 'never incremented', labelNames: ['a'], registers: [reg] });
  const gauge = new Gauge({ name: 'temp_celsius', help: 'gauge', labelNames: ['room'], registers: [reg] });
  gauge.set({ room: 'a' }, -3.5);
  gauge.set({ room: 'b' }, NaN);
  gauge.set({ room: 'c' }, Infinity);
  gauge.inc({ room: 'a' }, 1);
  new Gauge({
    name: 'collected',
    help: 'gauge with collect',
    registers: [reg],
    collect() {
      this.set(42);
    },
  });
  const h = new Histogram({
    name: 'h_seconds',
    help: 'histogram',
    labelNames: ['route', 'code'],
    buckets: [0.1, 1, 10],
    registers: [reg],
  });
  h.observe({ route: '/a/:id', code: '200' }, 0.05);
  h.observe({ route: '/a/:id', code: '200' }, 5);
  h.observe({ code: '500', route: '/b' }, 50);
  h.zero({ route: '/c', code: '204' });
  const bare = new Histogram({ name: 'bare_seconds', help: 'no labels', registers: [reg] });
  bare.observe(0.3);
  new Histogram({ name: 'empty_seconds', help: 'labelled, empty', labelNames: ['x'], registers: [reg] });
  const s = new Summary({
    name: 'sum_seconds',
    help: 'summary',
    labelNames: ['k'],
    percentiles: [0.5, 0.9],
    registers: [reg],
  });
  s.observe({ k: 'v' }, 1);
  s.observe({ k: 'v' }, 2);
  return reg;
}

describe('MetricsRenderer', () => {
  it('renders exactly what registry.metrics() renders (counters, gauges, histograms, summaries, collect)', async () => {
    const reg = populated();
    const renderer = new MetricsRenderer(reg);
    const stock = await reg.metrics();
    expect(await renderer.render()).toBe(stock);
    // Twice: the label caches must not change anything.
    expect(await renderer.render()).toBe(await reg.metrics());
  });

  it('stays identical after series change, reset and removal', async () => {
    const reg = populated();
    const renderer = new MetricsRenderer(reg);
    await renderer.render();
    (reg.getSingleMetric('h_seconds') as Histogram).observe({ route: '/a/:id', code: '200' }, 0.5);
    (reg.getSingleMetric('h_seconds') as Histogram).remove({ route: '/b', code: '500' });
    (reg.getSingleMetric('labelled_total') as Counter).reset();
    (reg.getSingleMetric('plain_total') as Counter).inc();
    expect(await renderer.render()).toBe(await reg.metrics());
  });

  it('matches stock with default metrics too (values of time-varying process metrics aside)', async () => {
    const reg = populated();
    collectDefaultMetrics({ register: reg });
    const renderer = new MetricsRenderer(reg);
    const ours = (await renderer.render()).split('\n');
    const stock = (await reg.metrics()).split('\n');
    expect(ours.length).toBe(stock.length);
    const strip = (l: string) => (/^(process_|nodejs_)/.test(l) ? l.replace(/ \S+$/, '') : l);
    expect(ours.map(strip)).toEqual(stock.map(strip));
  });

  it('hands registries with default labels to stock', async () => {
    const reg = populated();
    reg.setDefaultLabels({ pod: 'p-1' });
    expect(await new MetricsRenderer(reg).render()).toBe(await reg.metrics());
  });

  it('renders 1,000 histogram label sets identically and parses strictly', async () => {
    const reg = new Registry();
    const h = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames: ['method', 'route', 'status_code'],
      registers: [reg],
    });
    for (let r = 0; r < 100; r++) {
      for (const code of ['200', '201', '204', '400', '401', '403', '404', '409', '429', '500']) {
        h.observe({ method: 'GET', route: `/r${r}/:id`, status_code: code }, r / 100);
      }
    }
    const text = await new MetricsRenderer(reg).render();
    expect(text).toBe(await reg.metrics());
    expect(parseExposition(text).get('http_request_duration_seconds')!.samples).toHaveLength(1000 * 14);
  });
});
