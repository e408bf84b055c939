// The neighborhoods and property classes a job request names, checked against the county's parcels when
// the job is submitted: a name no parcel has would only give an empty or failed job later. One lookup for
// every module (the job platform calls it for the fields each module's route lists).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { FieldError } from '../common/problem.js';

export type ParcelFilterKind = 'neighborhood' | 'property_class';

/** A request field naming neighborhoods or property classes, with the values it names. */
export interface ParcelFilter {
  field: string;
  kind: ParcelFilterKind;
  values: readonly string[];
}

/** How many unknown and known names a message lists; the rest are counted. */
export const UNKNOWN_NAMES_SHOWN = 10;
export const KNOWN_NAMES_SHOWN = 20;

const COLUMN: Record<ParcelFilterKind, string> = { neighborhood: 'neighborhood', property_class: 'property_class' };
const NOUN: Record<ParcelFilterKind, [string, string]> = {
  neighborhood: ['neighborhood', 'neighborhoods'],
  property_class: ['property class', 'property classes'],
};

@Injectable()
export class ParcelFiltersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The values no parcel of the county has, in the order given (an index lookup each). */
  async unknownValues(countyId: string, kind: ParcelFilterKind, values: readonly string[]): Promise<string[]> {
    const column = COLUMN[kind];
    const rows: { v: string }[] = await this.dataSource.query(
      `SELECT u.v FROM unnest($2::text[]) WITH ORDINALITY AS u(v, i)
        WHERE NOT EXISTS (SELECT 1 FROM parcels p WHERE p.county_id = $1 AND p.${column} = u.v)
        ORDER BY u.i`,
      [countyId, values],
    );
    return rows.map((r) => r.v);
  }

  /** The county's distinct values, sorted (a skip scan over the county's index, one probe per value). */
  async knownValues(countyId: string, kind: ParcelFilterKind): Promise<string[]> {
    const column = COLUMN[kind];
    const rows: { v: string }[] = await this.dataSource.query(
      `WITH RECURSIVE known(v) AS (
         (SELECT ${column} FROM parcels WHERE county_id = $1 ORDER BY ${column} LIMIT 1)
         UNION ALL
         SELECT (SELECT p.${column} FROM parcels p WHERE p.county_id = $1 AND p.${column} > k.v
                  ORDER BY p.${column} LIMIT 1)
           FROM known k WHERE k.v IS NOT NULL
       )
       SELECT v FROM known WHERE v IS NOT NULL`,
      [countyId],
    );
    return rows.map((r) => r.v);
  }

  /** One error per filter naming a value no parcel of the county has; [] when every value is known. */
  async check(countyId: string, filters: readonly ParcelFilter[]): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const filter of filters) {
      if (filter.values.length === 0) continue;
      const unknown = await this.unknownValues(countyId, filter.kind, filter.values);
      if (unknown.length === 0) continue;
      const known = await this.knownValues(countyId, filter.kind);
      errors.push({ field: filter.field, message: unknownNamesMessage(countyId, filter.kind, unknown, known) });
    }
    return errors;
  }
}

/**
 * `"Nowhere" is not a neighborhood of county demo (known: "Eastside", "Northgate")`, at most
 * UNKNOWN_NAMES_SHOWN unknown and KNOWN_NAMES_SHOWN known names, then how many more.
 */
export function unknownNamesMessage(
  countyId: string,
  kind: ParcelFilterKind,
  unknown: readonly string[],
  known: readonly string[],
): string {
  const [one, many] = NOUN[kind];
  const verb = unknown.length === 1 ? `is not a ${one}` : `are not ${many}`;
  const knownPart = known.length === 0 ? `the county has no parcels yet` : `known: ${listed(known, KNOWN_NAMES_SHOWN)}`;
  return `${listed(unknown, UNKNOWN_NAMES_SHOWN)} ${verb} of county ${countyId} (${knownPart})`;
}

function listed(values: readonly string[], shown: number): string {
  const names = values.slice(0, shown).map((v) => JSON.stringify(v));
  const more = values.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}
