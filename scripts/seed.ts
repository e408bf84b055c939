// `npm run seed -- --county demo --parcels 20000 --seed 42 [--database-url URL]`: replaces a county's data with
// a deterministic synthetic county (src/demo/). Uses DATABASE_URL, the embedded server of a running service, or
// starts the embedded server itself, as `npm start` does; migrates first.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { COUNTY_ID_PATTERN, COUNTY_ID_RULE } from '../src/common/county-id.js';
import { loadEnvOrReport } from '../src/config/env.js';
import type { Env } from '../src/config/env.schema.js';
import { embeddedUrl, readPostmaster } from '../src/database/embedded-postgres.js';
import { openMigratedDataSource } from '../src/database/migrate.js';
import { EMBEDDED_DATABASE_NAME, resolveDatabase, type ResolvedDatabase } from '../src/database/resolve-database.js';
import { loadDemoCounty, type DemoPhase, type DemoProgress } from '../src/demo/demo-data.service.js';

const USAGE = `Usage: npm run seed -- [--county ID] [--parcels N] [--seed N] [--database-url URL]

  --county ID          county id to (re)create (default: demo)
  --parcels N          number of parcels, 1 to 5000000 (default: 20000)
  --seed N             random seed, 0 to 2147483647 (default: 42); the same seed gives the same county
  --database-url URL   PostgreSQL to load into (default: DATABASE_URL, else the embedded server under DATA_DIR)

The county's existing parcels, sales and assessed values are replaced in one transaction.`;

interface SeedOptions {
  county: string;
  parcels: number;
  seed: number;
  databaseUrl?: string;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): SeedOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        county: { type: 'string', default: 'demo' },
        parcels: { type: 'string', default: '20000' },
        seed: { type: 'string', default: '42' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const problems: string[] = [];
  if (!COUNTY_ID_PATTERN.test(v.county)) problems.push(`--county "${v.county}": ${COUNTY_ID_RULE}`);
  const parcels = wholeNumber(v.parcels, 1, 5_000_000, '--parcels', problems);
  const seed = wholeNumber(v.seed, 0, 2_147_483_647, '--seed', problems);
  const databaseUrl = v['database-url'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('--database-url: must be a postgres:// or postgresql:// URL');
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { county: v.county, parcels, seed, databaseUrl };
}

function wholeNumber(raw: string, min: number, max: number, name: string, problems: string[]): number {
  const text = raw.replace(/_/g, '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    problems.push(`${name} "${raw}": must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/**
 * The database to load into. When a service is already running on DATA_DIR its embedded server is used as
 * it is: starting another one on the same directory would stop the running one.
 */
async function findDatabase(env: Env, options: SeedOptions): Promise<ResolvedDatabase & { label: string }> {
  if (options.databaseUrl) return { url: options.databaseUrl, label: 'from --database-url' };
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, label: 'DATABASE_URL' };
  const dataDir = resolve(env.DATA_DIR, 'postgres');
  const running = readPostmaster(dataDir);
  if (running !== null && Number.isInteger(running.port)) {
    return {
      url: embeddedUrl(running.port, EMBEDDED_DATABASE_NAME),
      label: `embedded server already running on ${dataDir}`,
    };
  }
  return { ...(await resolveDatabase(env)), label: `embedded server on ${dataDir}` };
}

/** A bar per phase on a terminal; a line per finished phase otherwise. */
function progressPrinter(stream: NodeJS.WriteStream): (p: DemoProgress) => void {
  const labels: Record<DemoPhase, string> = {
    parcels: 'parcels',
    sales: 'sales',
    assessments: 'assessed values',
    analyze: 'statistics',
  };
  const width = 30;
  let current: DemoPhase | null = null;
  let lastDraw = 0;
  return (p) => {
    const finished = p.done >= p.total;
    if (!stream.isTTY) {
      if (finished && p.phase !== current) {
        current = p.phase;
        stream.write(`  ${labels[p.phase]}: done\n`);
      }
      return;
    }
    if (p.phase === current && !finished && Date.now() - lastDraw < 80) return;
    if (current !== null && p.phase !== current) stream.write('\n');
    current = p.phase;
    lastDraw = Date.now();
    const share = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
    const filled = Math.round(share * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    stream.write(
      `\r  ${labels[p.phase].padEnd(16)}[${bar}] ${String(Math.round(share * 100)).padStart(3)}%  ` +
        `${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} parcels`,
    );
    if (finished && p.phase === 'analyze') stream.write('\n');
  };
}

async function main(): Promise<number> {
  let options: SeedOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`seed: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const env = loadEnvOrReport();
  if (!env) return 1;

  const started = performance.now();
  const database = await findDatabase(env, options);
  process.stdout.write(`Database: ${database.label}\n`);
  if (database.embedded) {
    // Ctrl-C mid-load: the transaction is rolled back by the server; stop our server before leaving.
    process.once('SIGINT', () => {
      process.stderr.write('\nInterrupted; nothing was changed.\n');
      void database.embedded!.stop().finally(() => process.exit(130));
    });
  }
  let dataSource: DataSource | undefined;
  try {
    const migrated = await openMigratedDataSource({
      url: database.url,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      applicationName: 'terrafusion-seed',
    });
    dataSource = migrated.dataSource;
    const applied = migrated.applied;
    if (applied.length > 0) process.stdout.write(`Migrations applied: ${applied.join(', ')}\n`);
    process.stdout.write(
      `Generating county "${options.county}": ${options.parcels.toLocaleString('en-US')} parcels, seed ${options.seed}\n`,
    );
    const result = await loadDemoCounty(dataSource, {
      countyId: options.county,
      parcels: options.parcels,
      seed: options.seed,
      onProgress: progressPrinter(process.stderr),
    });
    const fmt = (n: number) => n.toLocaleString('en-US');
    process.stdout.write(
      `Loaded county "${result.countyId}": ${fmt(result.parcels)} parcels, ${fmt(result.sales)} sales, ` +
        `${fmt(result.assessments)} assessed values in ${(result.durationMs / 1000).toFixed(1)} s ` +
        `(${((performance.now() - started) / 1000).toFixed(1)} s in all)\n`,
    );
    return 0;
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database.embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
