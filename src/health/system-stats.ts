// CPU, load, event-loop delay and heap of this process for /health/detailed. The event-loop delay and
// the CPU share are measured over rolling windows (the last complete one is shown), so a single call
// answers at once with figures that describe the recent past, not the process's whole life.
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

/** Length of one measuring window. */
export const SYSTEM_WINDOW_MS = 10_000;

export interface SystemReport {
  cpu: {
    /** Share of one core this process used over the last window (user + system), in percent. */
    process_percent: number;
    user_seconds: number;
    system_seconds: number;
    cores: number;
    /** The machine's 1, 5 and 15 minute load averages. */
    load_average: [number, number, number];
  };
  event_loop: {
    /** p99, p50 and max of the event-loop delay over the last window, in milliseconds. */
    delay_p99_ms: number;
    delay_p50_ms: number;
    delay_max_ms: number;
    window_seconds: number;
  };
  heap: {
    used_bytes: number;
    total_bytes: number;
    limit_bytes: number;
    /** used ÷ limit, 0..1. */
    used_ratio: number;
  };
}

interface Window {
  cpuPercent: number;
  p99: number;
  p50: number;
  max: number;
  seconds: number;
}

@Injectable()
export class SystemStats implements OnModuleInit, OnApplicationShutdown {
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private windowStarted = performance.now();
  private cpuAtStart = process.cpuUsage();
  private last: Window | undefined;

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.windowStarted = performance.now();
    this.cpuAtStart = process.cpuUsage();
    this.timer = setInterval(() => (this.last = this.closeWindow()), SYSTEM_WINDOW_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  report(): SystemReport {
    // Before the first complete window, the one in progress.
    const w = this.last ?? this.peekWindow();
    const cpu = process.cpuUsage();
    const heap = getHeapStatistics();
    const [l1, l5, l15] = loadavg();
    return {
      cpu: {
        process_percent: round(w.cpuPercent, 1),
        user_seconds: round(cpu.user / 1e6, 3),
        system_seconds: round(cpu.system / 1e6, 3),
        cores: cpus().length,
        load_average: [round(l1, 2), round(l5, 2), round(l15, 2)],
      },
      event_loop: {
        delay_p99_ms: round(w.p99, 2),
        delay_p50_ms: round(w.p50, 2),
        delay_max_ms: round(w.max, 2),
        window_seconds: round(w.seconds, 1),
      },
      heap: {
        used_bytes: heap.used_heap_size,
        total_bytes: heap.total_heap_size,
        limit_bytes: heap.heap_size_limit,
        used_ratio: round(heap.used_heap_size / heap.heap_size_limit, 4),
      },
    };
  }

  private peekWindow(): Window {
    const seconds = (performance.now() - this.windowStarted) / 1000;
    const used = process.cpuUsage(this.cpuAtStart);
    const h = this.histogram;
    const count = h?.count ?? 0;
    return {
      cpuPercent: seconds > 0 ? ((used.user + used.system) / 1e6 / seconds) * 100 : 0,
      p99: count > 0 ? h!.percentile(99) / 1e6 : 0,
      p50: count > 0 ? h!.percentile(50) / 1e6 : 0,
      max: count > 0 ? h!.max / 1e6 : 0,
      seconds,
    };
  }

  private closeWindow(): Window {
    const w = this.peekWindow();
    this.histogram?.reset();
    this.windowStarted = performance.now();
    this.cpuAtStart = process.cpuUsage();
    return w;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Number.isFinite(value) ? Math.round(value * f) / f : 0;
}
