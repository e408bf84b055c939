// Checks a real /metrics scrape against the metric names the dashboards and alert rules use, so a renamed
// metric cannot silently blank a panel or disarm an alert.
//   node dist/scripts/check-dashboard-metrics.js SCRAPE_FILE [NAMES_FILE]
// NAMES_FILE defaults to monitoring/metric-names.txt. Exits 1 listing every name the scrape lacks.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import * as catalogue from '../src/observability/metric-names.js';

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];
const PROMQL_KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);

/**
 * Metric names a PromQL expression (or a Grafana `label_values(…)` variable query) selects.
 * `{__name__=~"(a|b)_total"}` selectors are expanded into their alternatives.
 */
export function extractMetricNames(expr: string): string[] {
  const names = new Set<string>();
  let text = expr;
  // Grafana: label_values(selector, label) → selector; label_values(label) selects nothing.
  text = unwrapLabelValues(text);
  // __name__ matchers name metrics inside braces.
  for (const m of text.matchAll(/__name__\s*(=~|=)\s*"([^"]*)"/g)) {
    for (const n of expandAlternatives(m[2])) names.add(n);
  }
  text = text
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  for (const m of text.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(\s*\()?/g)) {
    const [, word, call] = m;
    if (call || PROMQL_KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

function unwrapLabelValues(text: string): string {
  const start = text.indexOf('label_values(');
  if (start < 0) return text;
  const open = start + 'label_values('.length;
  let depth = 1;
  let lastComma = -1;
  let i = open;
  let quoted = false;
  for (; i < text.length && depth > 0; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (c === ',' && depth === 1) lastComma = i;
  }
  const selector = lastComma < 0 ? '' : text.slice(open, lastComma);
  return text.slice(0, start) + selector + unwrapLabelValues(text.slice(i));
}

/** `(a|b)_total` → a_total, b_total; a plain name → itself. Anything fancier is taken literally. */
function expandAlternatives(pattern: string): string[] {
  const m = /^([\w:]*)\(([\w:|]+)\)([\w:]*)$/.exec(pattern);
  if (m) return m[2].split('|').map((alt) => `${m[1]}${alt}${m[3]}`);
  return pattern.split('|').filter((p) => /^[a-zA-Z_:][\w:]*$/.test(p));
}

export interface ScrapeIndex {
  /** Names of sample lines and of HELP/TYPE families. */
  names: Set<string>;
  /** Family names declared as histogram or summary. */
  histograms: Set<string>;
}

/**
 * Indexes a Prometheus text exposition. HELP/TYPE lines count: prom-client prints them for a metric
 * with no label values yet (a job family before the first job), and the name still exists.
 */
export function indexScrape(text: string): ScrapeIndex {
  const names = new Set<string>();
  const histograms = new Set<string>();
  for (const line of text.split('\n')) {
    const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][\w:]*)(?:\s+(\w+))?/.exec(line);
    if (meta) {
      names.add(meta[2]);
      if (meta[1] === 'TYPE' && (meta[3] === 'histogram' || meta[3] === 'summary')) histograms.add(meta[2]);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)[\s{]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return { names, histograms };
}

/** The used names that the scrape does not expose (histogram series resolve to their family). */
export function missingMetrics(scrapeText: string, used: readonly string[]): string[] {
  const index = indexScrape(scrapeText);
  return used.filter((name) => {
    if (index.names.has(name)) return false;
    const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
    return !(suffix && index.histograms.has(name.slice(0, -suffix.length)));
  });
}

export function readNamesFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/**
 * HELP/TYPE lines for every family of src/observability/metric-names.ts and prom-client's default
 * metrics: what the service declares, for the static check in scripts/deploy-check.ts.
 */
export function catalogueExposition(): string {
  const lines: string[] = [];
  const add = (name: string, type: string) => lines.push(`# HELP ${name} catalogue`, `# TYPE ${name} ${type}`);
  for (const value of Object.values(catalogue) as unknown[]) {
    if (value && typeof value === 'object' && 'name' in value && 'help' in value) {
      const def = value as { name: string; buckets?: unknown };
      add(def.name, def.buckets ? 'histogram' : 'untyped');
    }
  }
  for (const family of Object.values(catalogue.JOB_FAMILIES)) {
    for (const def of Object.values(catalogue.jobFamilyDefs(family))) {
      add(def.name, 'buckets' in def ? 'histogram' : 'untyped');
    }
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const dropped = new Set<string>(catalogue.DROPPED_DEFAULT_METRICS);
  for (const metric of registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    if (!dropped.has(name)) add(name, type);
  }
  registry.clear();
  return lines.join('\n') + '\n';
}

function main(): void {
  const [scrapeFile, namesFile = 'monitoring/metric-names.txt'] = process.argv.slice(2);
  if (!scrapeFile) {
    console.error('usage: node dist/scripts/check-dashboard-metrics.js SCRAPE_FILE [NAMES_FILE]');
    process.exit(2);
  }
  const used = readNamesFile(readFileSync(namesFile, 'utf8'));
  const missing = missingMetrics(readFileSync(scrapeFile, 'utf8'), used);
  if (missing.length > 0) {
    console.error(
      `${missing.length} of ${used.length} metric names used by dashboards and alerts are not in ${scrapeFile}:`,
    );
    for (const name of missing) console.error(`  ${name}`);
    process.exit(1);
  }
  console.log(`All ${used.length} metric names used by dashboards and alerts are in ${scrapeFile}.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
