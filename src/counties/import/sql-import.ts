// Set-wise CSV import: the raw CSV goes by COPY into a staging table of text columns (PostgreSQL's
// CSV parser does the parsing), every row is validated in SQL with the same rules and messages as
// row-validators.ts, and the valid rows are upserted in one statement — all in one transaction.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import type { FieldError } from '../../common/problem.js';
import { PARCEL_VALUE_COLUMNS } from '../parcel-columns.js';
import { PROPERTY_CLASSES } from '../parcel.entity.js';
import { MalformedImportProblem } from './import-problems.js';
import { WKT_COLUMN, type SpecialRecords } from './csv-framer.js';
import { LIMITS } from './row-validators.js';
import { inTransaction, takeConnection, type TrackCopy } from '../../database/pg-client.js';
import { lockCountyImports } from '../county-imports.repository.js';

/** The kinds imported set-wise (the others still validate row by row in JavaScript). */
export type SetwiseKind = 'parcels';

export interface SqlRejectedRow {
  /** Ordinal of the record among those sent to COPY (1-based). */
  ordinal: number;
  parcel_id?: string;
  errors: FieldError[];
}

export interface SetwiseOutcome {
  /** Records COPYed into the staging table. */
  copied: number;
  /** Records that passed validation. */
  staged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  superseded: number;
  /** Records refused by validation (copied − staged), and the first few with their reasons. */
  rejected: number;
  rejectedRows: SqlRejectedRow[];
}

/** What JavaScript's String.prototype.trim() removes, for btrim(). */
const JS_WHITESPACE =
  '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
const WS = `'${JS_WHITESPACE}'`;
/** Control characters refused in text values (tab, LF and CR are allowed). */
const CONTROL = `'[\\u0001-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]'`;
/** Numbers that double precision reads without overflow or underflow. */
const PLAIN_NUMBER = `'^[-+]?([0-9]{1,15}(\\.[0-9]{0,20})?|\\.[0-9]{1,20})$'`;
/** The number syntax row-validators.ts accepts. */
const ANY_NUMBER = `'^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$'`;

/** A double for any ANY_NUMBER text, as JavaScript's Number(): too small → 0, too large → NULL (not a number). */
const TRY_FLOAT8 = `
  CREATE OR REPLACE FUNCTION pg_temp.tf_import_float8(v text) RETURNS double precision
  LANGUAGE plpgsql IMMUTABLE AS $$
  BEGIN
    RETURN v::double precision;
  EXCEPTION WHEN others THEN
    BEGIN
      RETURN CASE WHEN abs(v::numeric) < 1 THEN 0 END;
    EXCEPTION WHEN others THEN
      RETURN CASE WHEN v ~* 'e-' THEN 0 END;
    END;
  END $$`;

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const t = (column: string) => `c."t_${column}"`;
const num = (column: string) => `c."n_${column}"`;
/** `'value'` as the messages quote it (cut after 40 characters). */
const quoted = (column: string) =>
  `'''' || CASE WHEN char_length(${t(column)}) > 40 THEN left(${t(column)}, 40) || '…' ELSE ${t(column)} END || ''''`;

/**
 * How the values of one column are checked. A value is plain when CsvFramer found its field plain
 * (printable ASCII, no blank at either end, no `0x`): it needs no trimming and cannot hold control
 * characters or a hex number, so those checks are left out for it. 'none': no value of the column is
 * special; 'all': every value takes the full checks; 'some': bit `bit` of the row's `mask` (from
 * `import_special`) says which.
 */
export interface ColumnPlan {
  mode: 'none' | 'some' | 'all';
  bit: number;
}

/** Which columns' values are special, by column name. */
export type SpecialPlan = (column: string) => ColumnPlan;

/** `(alias.mask & bit) <> 0`: the row's value of the column is special. */
const isSpecial = (plan: ColumnPlan, alias: string) => `(${alias}.mask & ${plan.bit}) <> 0`;

/** `full` for special values, `plain` for plain ones, decided once per statement where it can be. */
function byValue(plan: ColumnPlan, full: string, plain: string, alias: string): string {
  if (plan.mode === 'none') return plain;
  if (plan.mode === 'all') return full;
  return `CASE WHEN ${isSpecial(plan, alias)} THEN ${full} ELSE ${plain} END`;
}

/** A condition that can hold only for special values (no SQL when the column has none). */
function onlySpecial(plan: ColumnPlan, condition: string, alias: string): string | null {
  if (plan.mode === 'none') return null;
  return plan.mode === 'all' ? condition : `${isSpecial(plan, alias)} AND ${condition}`;
}

type Rule =
  | { kind: 'id' }
  | { kind: 'text'; max: number; required: boolean }
  | { kind: 'number'; min: number; max: number; integer: boolean }
  | { kind: 'oneOf'; values: readonly string[] };

/** The message for one field (NULL when the value is fine), mirroring RowReader in row-validators.ts. */
function messageSql(column: string, rule: Rule, plan: ColumnPlan): string {
  const v = t(column);
  const when = (condition: string, message: string) => {
    const sql = onlySpecial(plan, condition, 'c');
    return sql === null ? '' : `WHEN ${sql} THEN ${message}`;
  };
  switch (rule.kind) {
    case 'id':
      return `CASE WHEN ${v} IS NULL THEN 'is required'
        WHEN char_length(${v}) > ${LIMITS.idMaxLength} THEN 'is longer than ${LIMITS.idMaxLength} characters'
        ${when(`${v} ~ ${CONTROL}`, `'contains control characters'`)}
        ${when(`${v} ~ '[\\t\\n\\r]'`, `'must not contain tabs or line breaks'`)} END`;
    case 'text':
      return `CASE WHEN ${v} IS NULL THEN ${rule.required ? `'is required'` : 'NULL'}
        WHEN char_length(${v}) > ${rule.max} THEN 'is longer than ${rule.max} characters'
        ${when(`${v} ~ ${CONTROL}`, `'contains control characters'`)} END`;
    case 'number': {
      const n = num(column);
      const notNumber = rule.integer
        ? `${n} IS NULL OR ${n} <> trunc(${n}) THEN 'must be a whole number (got ' || ${quoted(column)} || ')'`
        : `${n} IS NULL THEN 'must be a number (got ' || ${quoted(column)} || ')'`;
      return `CASE WHEN ${v} IS NULL THEN NULL WHEN ${notNumber}
        WHEN ${n} < ${rule.min} OR ${n} > ${rule.max}
          THEN ${lit(`must be between ${rule.min} and ${rule.max} (got `)} || ${quoted(column)} || ')' END`;
    }
    case 'oneOf':
      return `CASE WHEN ${v} IS NULL THEN 'is required'
        WHEN lower(${v}) NOT IN (${rule.values.map(lit).join(', ')})
          THEN ${lit(`must be one of ${rule.values.join(', ')} (got `)} || ${quoted(column)} || ')' END`;
  }
}

interface KindSql {
  /** CSV columns, each read as trimmed text `t_<name>`. */
  columns: readonly string[];
  /** Columns also read as numbers `n_<name>`. */
  numeric: readonly string[];
  /** Field messages in the order the JavaScript validator reports them. */
  messages: (special: SpecialPlan) => { field: string; sql: string }[];
  /** The staging row (same columns as the row-by-row import's staging table), from a valid row. */
  staged: string;
}

const PARCEL_RULES: [string, Rule][] = [
  ['parcel_id', { kind: 'id' }],
  ['neighborhood', { kind: 'text', max: LIMITS.textMaxLength, required: true }],
  ['property_class', { kind: 'oneOf', values: PROPERTY_CLASSES }],
  ['land_sqft', { kind: 'number', min: 0, max: LIMITS.landSqftMax, integer: false }],
  ['building_sqft', { kind: 'number', min: 0, max: LIMITS.buildingSqftMax, integer: false }],
  ['year_built', { kind: 'number', min: LIMITS.yearMin, max: Number.NaN, integer: true }],
  ['quality', { kind: 'number', min: LIMITS.gradeMin, max: LIMITS.gradeMax, integer: true }],
  ['condition', { kind: 'number', min: LIMITS.gradeMin, max: LIMITS.gradeMax, integer: true }],
  ['bedrooms', { kind: 'number', min: 0, max: LIMITS.roomsMax, integer: true }],
  ['bathrooms', { kind: 'number', min: 0, max: LIMITS.roomsMax, integer: false }],
  ['situs_address', { kind: 'text', max: LIMITS.addressMaxLength, required: false }],
  ['lon', { kind: 'number', min: -180, max: 180, integer: false }],
  ['lat', { kind: 'number', min: -90, max: 90, integer: false }],
];

const PARCELS: KindSql = {
  columns: [...PARCEL_RULES.map(([c]) => c), WKT_COLUMN],
  numeric: PARCEL_RULES.filter(([, r]) => r.kind === 'number').map(([c]) => c),
  messages: (special) => {
    // The latest year built allowed moves with the calendar, as in validateParcelRow.
    const yearMax = new Date().getUTCFullYear() + 5;
    const out = PARCEL_RULES.map(([column, rule]) => ({
      field: column,
      sql: messageSql(
        column,
        rule.kind === 'number' && column === 'year_built' ? { ...rule, max: yearMax } : rule,
        special(column),
      ),
    }));
    const [lon, lat] = [t('lon'), t('lat')];
    out.push(
      {
        field: 'lat',
        sql: `CASE WHEN ${lon} IS NOT NULL AND ${lat} IS NULL THEN 'is required when lon/lat is given' END`,
      },
      {
        field: 'lon',
        sql: `CASE WHEN ${lon} IS NULL AND ${lat} IS NOT NULL THEN 'is required when lon/lat is given' END`,
      },
      { field: WKT_COLUMN, sql: `c.g ->> 'e'` },
      { field: 'lon', sql: `CASE WHEN c.g IS NULL AND ${lon} IS NULL AND ${lat} IS NULL THEN 'is required' END` },
      { field: 'lat', sql: `CASE WHEN c.g IS NULL AND ${lon} IS NULL AND ${lat} IS NULL THEN 'is required' END` },
    );
    return out;
  },
  staged: `
    c.ord AS line, ${t('parcel_id')} AS parcel_id, ${t('neighborhood')} AS neighborhood,
    lower(${t('property_class')}) AS property_class,
    ${num('land_sqft')} AS land_sqft, ${num('building_sqft')} AS building_sqft,
    ${num('year_built')}::smallint AS year_built, ${num('quality')}::smallint AS quality,
    ${num('condition')}::smallint AS condition, ${num('bedrooms')}::smallint AS bedrooms,
    ${num('bathrooms')}::real AS bathrooms, ${t('situs_address')} AS situs_address,
    coalesce(c.g -> 'g', ('{"type":"Point","coordinates":[' || ${num('lon')} || ',' || ${num('lat')} || ']}')::jsonb)
      AS geometry,
    coalesce(${num('lon')}, (c.g -> 'c' ->> 0)::double precision) AS lon,
    coalesce(${num('lat')}, (c.g -> 'c' ->> 1)::double precision) AS lat`,
};

const KINDS: Record<SetwiseKind, KindSql> = { parcels: PARCELS };

/**
 * The upsert of the valid rows: the last row of each key wins; existing parcels are updated only where
 * a value differs; new ones are inserted. Imports of a county hold its advisory lock, so the key sets
 * cannot change in between, and plain INSERT/UPDATE avoid the per-row cost of ON CONFLICT.
 */
const PARCEL_MERGE = `
  WITH src AS MATERIALIZED (
    SELECT DISTINCT ON (parcel_id) * FROM import_valid ORDER BY parcel_id, line DESC
  ), updated AS (
    UPDATE parcels t SET ${PARCEL_VALUE_COLUMNS.map((c) => `${c} = s.${c}`).join(', ')}, updated_at = now()
      FROM src s
     WHERE t.county_id = $1 AND t.parcel_id = s.parcel_id
       AND (${PARCEL_VALUE_COLUMNS.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${PARCEL_VALUE_COLUMNS.map((c) => `s.${c}`).join(', ')})
    RETURNING 1
  ), inserted AS (
    INSERT INTO parcels (county_id, parcel_id, ${PARCEL_VALUE_COLUMNS.join(', ')})
    SELECT $1, s.parcel_id, ${PARCEL_VALUE_COLUMNS.map((c) => `s.${c}`).join(', ')}
      FROM src s
     WHERE NOT EXISTS (SELECT 1 FROM parcels p WHERE p.county_id = $1 AND p.parcel_id = s.parcel_id)
     ORDER BY s.parcel_id
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM src)::int AS distinct_rows,
         (SELECT count(*) FROM inserted)::int AS inserted,
         (SELECT count(*) FROM updated)::int AS updated`;

/**
 * A county's first parcels: every valid row is inserted as it is, with no sort for the last row of a key
 * and no comparison with stored rows. A key that comes twice in the file breaks the unique constraint;
 * the caller then rolls back to before this and merges (PARCEL_MERGE).
 */
const PARCEL_FIRST_LOAD = `
  INSERT INTO parcels (county_id, parcel_id, ${PARCEL_VALUE_COLUMNS.join(', ')})
  SELECT $1, parcel_id, ${PARCEL_VALUE_COLUMNS.join(', ')} FROM import_valid`;
const PARCELS_NATURAL_KEY = 'uq_parcels_county_parcel';

/** A column with a larger share of special values takes the full checks for every row (no per-row test). */
const SPECIAL_JOIN_MAX_SHARE = 0.5;

/** How a file's special values are read. */
export interface SpecialValuesPlan {
  special: SpecialPlan;
  /** Some column is tested per row: its rows' masks are looked up in import_special. */
  joined: boolean;
  /** The records import_special holds: those with a special value in a column tested per row. */
  perRow: SpecialRecords;
  /** Special values by column name. */
  counts: Record<string, number>;
}

/**
 * The plan for a file's columns (in file order) from its special records: a column without special values
 * is read plainly, one with many takes the full checks throughout, the others test each row's mask.
 */
export function planSpecialValues(
  columns: readonly string[],
  specials: SpecialRecords,
  rows: number,
): SpecialValuesPlan {
  const counts = columns.map(() => 0);
  for (const mask of specials.masks) {
    for (let k = 0; k < columns.length; k++) if (k > 30 || (mask & (1 << k)) !== 0) counts[k]++;
  }
  const plans = new Map<string, ColumnPlan>(
    columns.map((column, k) => {
      const mode =
        k > 30 ? 'all' : counts[k] === 0 ? 'none' : counts[k] > rows * SPECIAL_JOIN_MAX_SHARE ? 'all' : 'some';
      return [column, { mode, bit: k > 30 ? 0 : 1 << k }];
    }),
  );
  // Only the records with a special value in a column tested per row need to be looked up.
  let perRowBits = 0;
  for (const p of plans.values()) if (p.mode === 'some') perRowBits |= p.bit;
  const keep: number[] = [];
  specials.masks.forEach((mask, k) => {
    if ((mask & perRowBits) !== 0) keep.push(k);
  });
  return {
    special: (column) => plans.get(column) ?? { mode: 'all', bit: 0 },
    joined: perRowBits !== 0,
    perRow: {
      ordinals: Int32Array.from(keep, (k) => specials.ordinals[k]),
      masks: Int32Array.from(keep, (k) => specials.masks[k]),
    },
    counts: Object.fromEntries(columns.map((c, k) => [c, counts[k]])),
  };
}

/**
 * The double a text holds, with JavaScript's Number() rules for the syntax row-validators.ts accepts;
 * NULL when it is not such a number. With PostgreSQL 16+ the common case is one soft input check and a
 * cast; the regular expression (slow) only sees values that check refuses. float8in also reads hex
 * (`0x…`, never in a plain record), NaN and Infinity, which the validator does not: those are excluded.
 */
function numberSql(v: string, softInput: boolean, plan: ColumnPlan): string {
  const fallback = `WHEN ${v} ~ ${ANY_NUMBER} THEN pg_temp.tf_import_float8(${v})`;
  if (!softInput) {
    return `CASE WHEN ${v} ~ ${PLAIN_NUMBER} THEN ${v}::double precision ${fallback} END`;
  }
  const noHex = onlySpecial(plan, `(strpos(${v}, 'x') > 0 OR strpos(${v}, 'X') > 0)`, 's');
  return `CASE ${noHex === null ? '' : `WHEN ${noHex} THEN NULL`}
    WHEN pg_input_is_valid(${v}, 'float8') THEN nullif(nullif(nullif(${v}::double precision, 'NaN'), 'Infinity'), '-Infinity')
    ${fallback} END`;
}

/**
 * Every row of import_stage with its special-value mask, trimmed text (`t_*`), numbers (`n_*`) and
 * geometry JSON (`g`). Plain values are already trimmed.
 */
function readRowsSql(
  kind: KindSql,
  present: ReadonlySet<string>,
  softInput: boolean,
  { special, joined }: Pick<SpecialValuesPlan, 'special' | 'joined'>,
): string {
  const trimmed = kind.columns
    .filter((c) => c !== WKT_COLUMN)
    .map(
      (c) =>
        (present.has(c)
          ? byValue(special(c), `nullif(btrim(r."${c}", ${WS}), '')`, `nullif(r."${c}", '')`, 's')
          : 'NULL::text') + ` AS "t_${c}"`,
    );
  trimmed.push(`${present.has(WKT_COLUMN) ? `nullif(r."${WKT_COLUMN}", '')::jsonb` : 'NULL::jsonb'} AS g`);
  const numbers = kind.numeric.map((c) => `${numberSql(`v."t_${c}"`, softInput, special(c))} AS "n_${c}"`);
  // OFFSET 0 keeps each value computed once per row (a pulled-up subquery would repeat the expressions).
  return `
    SELECT r.ord, s.mask, v.*, n.*
      FROM import_stage r
      ${joined ? 'LEFT JOIN import_special sp ON sp.ord = r.ord' : ''}
      CROSS JOIN LATERAL (SELECT ${joined ? 'coalesce(sp.mask, 0)' : '0'} AS mask OFFSET 0) s
      CROSS JOIN LATERAL (SELECT ${trimmed.join(', ')} OFFSET 0) v
      CROSS JOIN LATERAL (SELECT ${numbers.join(', ')} OFFSET 0) n`;
}

/** The staging table of raw text values and the COPY that fills it, for the file's columns. */
function stagingSql(columns: readonly string[]) {
  return {
    createRaw: `CREATE TEMP TABLE import_stage (ord integer GENERATED ALWAYS AS IDENTITY, ${columns
      .map((c) => `"${c}" text`)
      .join(', ')}) ON COMMIT DROP`,
    copy: `COPY import_stage (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN (FORMAT csv)`,
  };
}

/** The validation of the staged rows: the valid ones into import_valid, the first rejected ones with reasons. */
function validationSql(
  kindName: SetwiseKind,
  columns: readonly string[],
  plan: Pick<SpecialValuesPlan, 'special' | 'joined'>,
  serverVersionNum: number,
) {
  const kind = KINDS[kindName];
  const messages = kind.messages(plan.special);
  // pg_input_is_valid() came with PostgreSQL 16.
  const rows = readRowsSql(kind, new Set(columns), serverVersionNum >= 160000, plan);
  const valid = messages.map((m) => `(${m.sql}) IS NULL`).join('\n AND ');
  return {
    stage: `CREATE TEMP TABLE import_valid ON COMMIT DROP AS SELECT ${kind.staged} FROM (${rows}) c WHERE ${valid}`,
    rejected: `
      SELECT c.ord, left(${t('parcel_id')}, 100) AS parcel_id, ARRAY[${messages.map((m) => m.sql).join(',\n')}]::text[] AS messages
        FROM (${rows}) c
       WHERE NOT (${valid})
       ORDER BY c.ord
       LIMIT $1`,
    fields: messages.map((m) => m.field),
  };
}

@Injectable()
export class SetwiseCsvImporter {
  private readonly logger = new Logger(SetwiseCsvImporter.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private serverVersionNum: number | undefined;

  private async serverVersion(client: PoolClient): Promise<number> {
    if (this.serverVersionNum === undefined) {
      const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
      this.serverVersionNum = Number(rows[0].v);
    }
    return this.serverVersionNum;
  }

  /**
   * One import in one transaction: `writeRaw` streams the CSV records (no header; `columns` in file
   * order) into COPY and answers the records with special values (CsvFramer); validation,
   * rejected rows and the upsert follow in SQL. Any failure rolls back.
   */
  async importCsv(
    countyId: string,
    kind: SetwiseKind,
    columns: readonly string[],
    writeRaw: (copyIn: Writable) => Promise<SpecialRecords>,
    rejectedShown: number,
  ): Promise<SetwiseOutcome> {
    const connection = await takeConnection(this.dataSource);
    const { client } = connection;
    const { outcome, clock, specialValues } = await inTransaction(connection, async (trackCopy) => {
      const serverVersion = await this.serverVersion(client);
      const copySql = await createStaging(client, columns);
      const clock = phaseClock();
      const { copied, specials } = await copyRecords(client, copySql, writeRaw, trackCopy);
      clock.lap('copy_ms');
      await lockCountyImports(client, countyId);
      const plan = await planValidation(client, columns, specials, copied);
      const sql = validationSql(kind, columns, plan, serverVersion);
      const staged = (await client.query(sql.stage)).rowCount ?? 0;
      clock.lap('validate_ms');
      const rejectedRows = staged < copied ? await firstRejectedRows(client, sql, rejectedShown) : [];
      clock.lap('rejected_rows_ms');
      const counts = (await this.firstLoad(client, countyId, staged)) ?? (await this.merge(client, countyId));
      clock.lap('merge_ms');
      return { outcome: setwiseOutcome(copied, staged, counts, rejectedRows), clock, specialValues: plan.counts };
    });
    clock.lap('commit_ms');
    this.logger.debug(
      {
        county_id: countyId,
        kind,
        copied: outcome.copied,
        staged: outcome.staged,
        special_values: specialValues,
        ...clock.phases,
      },
      'Set-wise import phases',
    );
    return outcome;
  }

  private async merge(client: PoolClient, countyId: string): Promise<MergeCounts> {
    const { rows } = await client.query<MergeCounts>(PARCEL_MERGE, [countyId]);
    return rows[0];
  }

  /**
   * When the county has no parcels yet, the valid rows are inserted as they are; null when it has some,
   * or when the file names a key twice (then nothing of this attempt is left).
   */
  private async firstLoad(client: PoolClient, countyId: string, staged: number): Promise<MergeCounts | null> {
    const { rows } = await client.query<{ any: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM parcels WHERE county_id = $1) AS any',
      [countyId],
    );
    if (rows[0].any) return null;
    await client.query('SAVEPOINT first_load');
    try {
      const { rowCount } = await client.query(PARCEL_FIRST_LOAD, [countyId]);
      await client.query('RELEASE SAVEPOINT first_load');
      return { distinct_rows: staged, inserted: rowCount ?? 0, updated: 0 };
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== '23505' || constraint !== PARCELS_NATURAL_KEY) throw error;
      await client.query('ROLLBACK TO SAVEPOINT first_load');
      return null;
    }
  }
}

interface MergeCounts {
  distinct_rows: number;
  inserted: number;
  updated: number;
}

/** Milliseconds per phase of an import, for the debug log: each lap is the time since the previous one. */
interface PhaseClock {
  phases: Record<string, number>;
  lap: (name: string) => void;
}

function phaseClock(): PhaseClock {
  const phases: Record<string, number> = {};
  let mark = performance.now();
  return {
    phases,
    lap: (name) => {
      const now = performance.now();
      phases[name] = Math.round(now - mark);
      mark = now;
    },
  };
}

/** The transaction's settings and the empty staging table; the COPY statement that fills it. */
async function createStaging(client: PoolClient, columns: readonly string[]): Promise<string> {
  const staging = stagingSql(columns);
  // The COPY lasts as long as the upload and the statements grow with the file.
  await client.query(`SET LOCAL statement_timeout = 0`);
  // Doubles turned into JSON (Point coordinates) keep every digit.
  await client.query(`SET LOCAL extra_float_digits = 3`);
  await client.query(staging.createRaw);
  return staging.copy;
}

/** The upload's records COPYed into import_stage: how many, and which have special values. */
async function copyRecords(
  client: PoolClient,
  copySql: string,
  writeRaw: (copyIn: Writable) => Promise<SpecialRecords>,
  trackCopy: TrackCopy,
): Promise<{ copied: number; specials: SpecialRecords }> {
  const copy = client.query(copyFrom(copySql));
  trackCopy(copy);
  let specials: SpecialRecords;
  try {
    specials = await writeRaw(copy);
  } catch (error) {
    throw copyFormatProblem(error);
  }
  return { copied: copy.rowCount, specials };
}

/**
 * How the special values are checked (planSpecialValues), and what the validation's SQL needs on the
 * connection: the float8 fallback and, when some column is tested per row, those rows' masks.
 */
async function planValidation(
  client: PoolClient,
  columns: readonly string[],
  specials: SpecialRecords,
  copied: number,
): Promise<SpecialValuesPlan> {
  await client.query(TRY_FLOAT8);
  const plan = planSpecialValues(columns, specials, copied);
  if (plan.joined) {
    await client.query(
      `CREATE TEMP TABLE import_special ON COMMIT DROP AS SELECT * FROM unnest($1::int[], $2::int[]) AS s (ord, mask)`,
      [Array.from(plan.perRow.ordinals), Array.from(plan.perRow.masks)],
    );
    await client.query('ANALYZE import_special');
  }
  return plan;
}

/** The first `shown` rejected rows with their fields' messages, in file order. */
async function firstRejectedRows(
  client: PoolClient,
  sql: { rejected: string; fields: string[] },
  shown: number,
): Promise<SqlRejectedRow[]> {
  const { rows } = await client.query<{ ord: number; parcel_id: string | null; messages: (string | null)[] }>(
    sql.rejected,
    [shown],
  );
  return rows.map((r) => ({
    ordinal: r.ord,
    ...(r.parcel_id ? { parcel_id: r.parcel_id } : {}),
    errors: r.messages.flatMap((message, i) => (message === null ? [] : [{ field: sql.fields[i], message }])),
  }));
}

function setwiseOutcome(
  copied: number,
  staged: number,
  { distinct_rows, inserted, updated }: MergeCounts,
  rejectedRows: SqlRejectedRow[],
): SetwiseOutcome {
  return {
    copied,
    staged,
    inserted,
    updated,
    unchanged: distinct_rows - inserted - updated,
    superseded: staged - distinct_rows,
    rejected: copied - staged,
    rejectedRows,
  };
}

/** COPY's own complaints about the bytes (bad UTF-8, a CSV it cannot read) are the caller's 400. */
function copyFormatProblem(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '22021' || code === '22P04' || code === '22P05') {
    const where = (error as { where?: string }).where;
    const line = where ? /line (\d+)/.exec(where)?.[1] : undefined;
    const what = code === '22P04' ? 'The CSV is malformed' : 'The file is not valid UTF-8 text';
    return new MalformedImportProblem(
      `${what}${line ? ` (record ${line} of the data)` : ''}: ${(error as Error).message}`,
    );
  }
  return error;
}
