// Renders a prom-client registry in the Prometheus text format (0.0.4) byte for byte like
// `registry.metrics()`, at a fraction of the cost, so a scrape does not block the event loop as series grow.
//
// Why stock is slow: for every histogram series it builds ~15 value objects with fresh label objects,
// then formats and escapes every label of every line again. Here the plain Counter/Gauge/Histogram
// series are read straight from their hash maps (no intermediate objects), and the escaped label text
// of a series is computed once and kept in a WeakMap keyed by the series' labels object — prom-client
// keeps that same object for the life of the series, so the cache is exact and dies with the series.
// Metrics with a collect() callback (default process metrics, pool gauges) and anything else (summaries,
// subclasses) go through their own get() and the same formatting rules as stock.
// Output identity with registry.metrics() is asserted by metrics-renderer.spec.ts; the prom-client
// version is pinned by the lockfile, and a registry we cannot render exactly (OpenMetrics content type,
// default labels) is handed to stock.
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

type Labels = Record<string, string | number | undefined>;

interface ValueEntry {
  value: number;
  labels: Labels;
}

interface HistogramEntry {
  labels: Labels;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

interface MetricValue {
  value: number;
  labels?: Labels;
  sharedLabels?: Labels;
  metricName?: string;
}

interface MetricObject {
  name: string;
  help: string;
  type: string;
  values?: MetricValue[];
}

/** The prom-client internals the fast paths read (stable across 15.x; see the spec). */
interface Internals {
  name: string;
  help: string;
  type: string;
  collect?: unknown;
  hashMap: Record<string, ValueEntry | HistogramEntry>;
  upperBounds?: readonly number[];
  getForPromString?: () => Promise<MetricObject>;
  get: () => Promise<MetricObject>;
}

interface HistogramNames {
  bounds: readonly number[];
  name: string;
  bucket: string[];
  inf: string;
  sum: string;
  count: string;
}

export class MetricsRenderer {
  /** labels object → `a="x",b="y"` (no braces; empty string for no labels). */
  private readonly labelText = new WeakMap<object, string>();
  private readonly histogramNames = new WeakMap<object, HistogramNames>();

  constructor(private readonly registry: Registry) {}

  get contentType(): string {
    return Registry.PROMETHEUS_CONTENT_TYPE;
  }

  /** Same text as `registry.metrics()`. */
  async render(): Promise<string> {
    if (!this.canRenderExactly()) return this.registry.metrics();
    const metrics = this.registry.getMetricsAsArray() as unknown as Internals[];
    // Collect-backed and unknown metrics are fetched first, all at once like stock does.
    const pending: (Promise<MetricObject> | undefined)[] = metrics.map((m) =>
      fastKind(m) === undefined ? (m.getForPromString ? m.getForPromString() : m.get()) : undefined,
    );
    const fetched = pending.some((p) => p !== undefined) ? await Promise.all(pending) : [];
    let out = '';
    for (let i = 0; i < metrics.length; i++) {
      if (i > 0) out += '\n\n';
      const m = metrics[i];
      const kind = fastKind(m);
      if (kind === 'histogram') out += this.renderHistogram(m);
      else if (kind === 'value') out += this.renderValues(m);
      else out += this.renderGeneric(fetched[i]!);
    }
    return out + '\n';
  }

  private canRenderExactly(): boolean {
    if (this.registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return false;
    const defaults = (this.registry as unknown as { _defaultLabels?: object })._defaultLabels;
    return !defaults || Object.keys(defaults).length === 0;
  }

  private header(m: { name: string; help: string; type: string }): string {
    const name = escapeString(m.name);
    return `# HELP ${name} ${escapeString(m.help)}\n# TYPE ${name} ${m.type}`;
  }

  private renderValues(m: Internals): string {
    let out = this.header(m);
    const name = escapeString(m.name);
    for (const key in m.hashMap) {
      const entry = m.hashMap[key] as ValueEntry;
      const labels = this.labels(entry.labels);
      out += '\n' + name + (labels === '' ? '' : '{' + labels + '}') + ' ' + valueString(entry.value);
    }
    return out;
  }

  private renderHistogram(m: Internals): string {
    let out = this.header(m);
    const names = this.namesOf(m);
    const bounds = names.bounds;
    for (const key in m.hashMap) {
      const entry = m.hashMap[key] as HistogramEntry;
      const shared = this.labels(entry.labels);
      const close = shared === '' ? '} ' : ',' + shared + '} ';
      const plain = shared === '' ? ' ' : '{' + shared + '} ';
      let acc = 0;
      for (let b = 0; b < bounds.length; b++) {
        acc += entry.bucketValues[bounds[b]];
        out += '\n' + names.bucket[b] + close + valueString(acc);
      }
      out += '\n' + names.inf + close + valueString(entry.count);
      out += '\n' + names.sum + plain + valueString(entry.sum);
      out += '\n' + names.count + plain + valueString(entry.count);
    }
    return out;
  }

  /** Exactly Registry#getMetricsAsString for the Prometheus format without default labels. */
  private renderGeneric(metric: MetricObject): string {
    const name = escapeString(metric.name);
    const lines = [this.header(metric)];
    for (const val of metric.values ?? []) {
      const metricName = val.metricName === undefined ? name : val.metricName;
      const labels = val.labels === undefined ? {} : val.labels;
      const shared = val.sharedLabels === undefined ? {} : val.sharedLabels;
      const parts = formatLabels(labels, shared);
      const flatShared = this.labels(shared);
      if (flatShared) parts.push(flatShared);
      const labelsString = parts.length ? `{${parts.join(',')}}` : '';
      lines.push(`${metricName}${labelsString} ${valueString(val.value)}`);
    }
    return lines.join('\n');
  }

  private labels(labels: Labels): string {
    let text = this.labelText.get(labels);
    if (text === undefined) {
      text = formatLabels(labels).join(',');
      this.labelText.set(labels, text);
    }
    return text;
  }

  private namesOf(m: Internals): HistogramNames {
    const bounds = m.upperBounds!;
    let names = this.histogramNames.get(m);
    if (!names || names.bounds !== bounds || names.name !== m.name) {
      const name = escapeString(m.name);
      names = {
        bounds,
        name: m.name,
        bucket: bounds.map((b) => `${name}_bucket{le="${escapeLabelValue(b)}"`),
        inf: `${name}_bucket{le="+Inf"`,
        sum: `${name}_sum`,
        count: `${name}_count`,
      };
      this.histogramNames.set(m, names);
    }
    return names;
  }
}

/** 'histogram' / 'value' when the series can be read straight from the hash map. */
function fastKind(m: Internals | Metric): 'histogram' | 'value' | undefined {
  const metric = m as Internals;
  if (metric.collect !== undefined || typeof metric.hashMap !== 'object' || metric.hashMap === null) {
    return undefined;
  }
  const proto = Object.getPrototypeOf(metric) as object;
  if (proto === Histogram.prototype && Array.isArray(metric.upperBounds)) return 'histogram';
  if (proto === Counter.prototype || proto === Gauge.prototype) return 'value';
  return undefined;
}

function formatLabels(labels: Labels, exclude?: Labels): string[] {
  const formatted: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!exclude || !Object.prototype.hasOwnProperty.call(exclude, name)) {
      formatted.push(`${name}="${escapeLabelValue(value)}"`);
    }
  }
  return formatted;
}

function escapeLabelValue(value: unknown): unknown {
  return typeof value === 'string' ? escapeString(value).replace(/"/g, '\\"') : value;
}

function escapeString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function valueString(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}
