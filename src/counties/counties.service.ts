// Counties and parcel reads; every county lookup goes through getCountyOr404 (the one access point).
import { Injectable } from '@nestjs/common';
import { assertCountyAccess, countyFilter, countyNotFound, type CountyScope } from '../auth/county-access.js';
import { NotFoundProblem } from '../common/problem.js';
import {
  CountiesRepository,
  type CountyRecord,
  type CountyWithCounts,
  type ParcelRecord,
  type SaleRecord,
  type ValueRecord,
} from './counties.repository.js';
import type { PropertyClass } from './parcel.entity.js';
import { decodeParcelCursor, encodeParcelCursor } from './parcel-cursor.js';

/**
 * The caller, as far as county access is concerned (an AuthUser from @CurrentUser()). County scoping
 * (the token's `counties` claim) is applied in getCountyOr404, putCounty and listCounties only.
 */
export type CountyCaller = CountyScope;

export const PARCEL_PAGE_DEFAULT = 100;

export interface ParcelQuery {
  neighborhood?: string;
  propertyClass?: PropertyClass;
  limit?: number;
  cursor?: string;
}

export interface ParcelPage {
  items: ParcelRecord[];
  next_cursor: string | null;
}

export interface ParcelDetail extends ParcelRecord {
  sales: SaleRecord[];
  values: ValueRecord[];
}

@Injectable()
export class CountiesService {
  constructor(private readonly repository: CountiesRepository) {}

  /** The county, or the same 404 when it does not exist or is outside the caller's counties. */
  async getCountyOr404(countyId: string, caller: CountyCaller): Promise<CountyRecord> {
    assertCountyAccess(caller, countyId);
    const county = await this.repository.findCounty(countyId);
    if (!county) throw countyNotFound(countyId);
    return county;
  }

  async putCounty(
    countyId: string,
    name: string,
    state: string | null,
    caller: CountyCaller,
  ): Promise<{ county: CountyRecord; created: boolean }> {
    assertCountyAccess(caller, countyId);
    return this.repository.upsertCounty(countyId, name.trim(), state?.trim() || null);
  }

  async listCounties(caller: CountyCaller): Promise<CountyWithCounts[]> {
    return this.repository.listCountiesWithCounts(countyFilter(caller));
  }

  async listParcels(countyId: string, query: ParcelQuery, caller: CountyCaller): Promise<ParcelPage> {
    const after = query.cursor === undefined ? undefined : decodeParcelCursor(query.cursor);
    await this.getCountyOr404(countyId, caller);
    const limit = query.limit ?? PARCEL_PAGE_DEFAULT;
    // One extra row tells whether another page follows.
    const rows = await this.repository.findParcels(countyId, {
      neighborhood: query.neighborhood,
      propertyClass: query.propertyClass,
      after,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const next_cursor = rows.length > limit ? encodeParcelCursor(items[items.length - 1].parcel_id) : null;
    return { items, next_cursor };
  }

  async getParcel(countyId: string, parcelId: string, caller: CountyCaller): Promise<ParcelDetail> {
    await this.getCountyOr404(countyId, caller);
    const parcel = await this.repository.findParcel(countyId, parcelId);
    if (!parcel) throw new NotFoundProblem('Parcel', `Parcel '${parcelId}' does not exist in county '${countyId}'.`);
    const [sales, values] = await Promise.all([
      this.repository.findSales(countyId, parcelId),
      this.repository.findValues(countyId, parcelId),
    ]);
    return { ...parcel, sales, values };
  }
}
