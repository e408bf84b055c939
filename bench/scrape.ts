// Scrape cost: 1,000 route × status label sets of the HTTP families plus default metrics, rendered by
// stock `registry.metrics()` and by MetricsRenderer (median of N runs), and the event-loop delay a
// scrape causes (perf_hooks.monitorEventLoopDelay while scrapes run back to back with other work).
//   npm run bench:scrape
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetricsService } from '../src/observability/metrics.service.js';
import { METRICS_PROVIDERS } from '../src/observability/observability.module.js';
import { median } from './support.js';

@Module({ providers: METRICS_PROVIDERS })
class ScrapeBenchModule {}

export interface ScrapeFigures {
  series: number;
  bytes: number;
  identical: boolean;
  stockMedianMs: number;
  fastMedianMs: number;
  ratio: number;
  /** Median over scrapes of the largest event-loop delay seen during one scrape. */
  stockLoopDelayMs: number;
  fastLoopDelayMs: number;
  stockWorstLoopDelayMs: number;
  fastWorstLoopDelayMs: number;
}

const STATUSES = [200, 201, 204, 400, 401, 403, 404, 409, 429, 500];

export async function benchScrape(runs = 41): Promise<ScrapeFigures> {
  const context = await NestFactory.createApplicationContext(ScrapeBenchModule, { logger: false });
  const metrics = context.get(MetricsService);
  const registry = metrics.registry;
  try {
    // 100 templates × 10 statuses = 1,000 label sets, each with a few observations.
    for (let r = 0; r < 100; r++) {
      for (const status of STATUSES) {
        const route = `/api/v1/module${r % 10}/resource${r}/:id`;
        for (let i = 0; i < 3; i++) {
          const ticket = metrics.httpStart('GET', route);
          ticket.start -= Math.random() * 2000;
          metrics.httpEnd(ticket, status);
        }
      }
    }
    const stock = () => registry.metrics();
    const fast = () => metrics.render();
    const [a, b] = [await stock(), await fast()];
    const mask = (t: string) =>
      t
        .split('\n')
        .map((l) => (/^(process_|nodejs_)/.test(l) ? l.replace(/ \S+$/, '') : l))
        .join('\n');
    const identical = mask(a) === mask(b);
    const fastMs = await timeRuns(fast, runs);
    const stockMs = await timeRuns(stock, runs);
    const fastDelay = await loopDelayDuring(fast);
    const stockDelay = await loopDelayDuring(stock);
    const series = a.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_count')).length;
    return {
      series,
      bytes: b.length,
      identical,
      stockMedianMs: stockMs,
      fastMedianMs: fastMs,
      ratio: fastMs / stockMs,
      stockLoopDelayMs: stockDelay.typical,
      fastLoopDelayMs: fastDelay.typical,
      stockWorstLoopDelayMs: stockDelay.worst,
      fastWorstLoopDelayMs: fastDelay.worst,
    };
  } finally {
    await context.close();
  }
}

async function timeRuns(render: () => Promise<string>, runs: number): Promise<number> {
  for (let i = 0; i < 5; i++) await render(); // warm-up (JIT, caches)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 10 === 0) gc();
    const t = performance.now();
    await render();
    times.push(performance.now() - t);
  }
  return median(times);
}

/**
 * Event-loop delay caused by scrapes: for each of 30 scrapes a fresh monitorEventLoopDelay histogram
 * (1 ms resolution) records while the scrape runs and one timer turn after it; the figure is the median
 * of those per-scrape maxima, and the worst one is reported too.
 */
async function loopDelayDuring(render: () => Promise<string>): Promise<{ typical: number; worst: number }> {
  const maxima: number[] = [];
  for (let i = 0; i < 30; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    await new Promise((r) => setTimeout(r, 3));
    await render();
    await new Promise((r) => setTimeout(r, 3));
    h.disable();
    maxima.push(h.max / 1e6);
  }
  return { typical: median(maxima), worst: Math.max(...maxima) };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export function printScrape(f: ScrapeFigures): void {
  console.log(
    `scrape: ${f.series} http_request_duration_seconds label sets, ${f.bytes} bytes, identical=${f.identical}`,
  );
  console.log(
    `  render median: stock ${round(f.stockMedianMs)} ms, ours ${round(f.fastMedianMs)} ms → ${round(f.ratio)}× stock`,
  );
  console.log(
    `  event-loop delay during a scrape (median of 30; worst): stock ${round(f.stockLoopDelayMs)} ms (${round(f.stockWorstLoopDelayMs)}), ours ${round(f.fastLoopDelayMs)} ms (${round(f.fastWorstLoopDelayMs)})`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await benchScrape();
  printScrape(f);
  const ok = f.identical && f.ratio <= 0.5 && f.fastLoopDelayMs <= 10;
  console.log(
    ok ? 'scrape targets met (≤ 0.5× stock, ≤ 10 ms loop delay, identical output)' : 'scrape targets NOT met',
  );
  process.exitCode = ok ? 0 : 1;
}
