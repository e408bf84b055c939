// Import routes: the file is the raw request body (text/csv, or application/geo+json for parcels), streamed.
import { applyDecorators, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { COUNTIES_PATH } from './counties.controller.js';
import { CountyImportsService } from './county-imports.service.js';
import { CountyParamsDto } from './dto/county.dto.js';
import { ImportResultDto } from './dto/import-result.dto.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import { ImportUpload, rawImportRoute, type ImportUploadBody } from './import/import-body.js';
import { MEDIA_CSV, MEDIA_GEOJSON } from './import/import-formats.js';
import { PARCEL_COLUMNS } from './parcel-columns.js';

const COMMON_NOTES =
  'Send the file as the raw request body; it is streamed, not buffered. A header row names the columns in ' +
  'any order; unknown or missing columns are a 400 naming them. Rows are upserted by natural key in one ' +
  'transaction: a re-import of the same file changes nothing; within one file the last valid row for a key ' +
  'wins. Invalid rows are rejected with their line and reasons while the valid rows land; an answer with ' +
  'every row rejected is still a 200. An upload that breaks off or fails in the database changes nothing.';

function ImportRoute(summary: string, mediaTypes: string[], columns: string): MethodDecorator {
  return applyDecorators(
    HttpCode(200),
    RequirePermissions(Permission.DataImport),
    RouteConfig(rawImportRoute(mediaTypes)),
    ApiOperation({ summary, description: `${COMMON_NOTES}\n\nColumns: ${columns}.` }),
    ApiConsumes(...mediaTypes),
    ApiBody({ schema: { type: 'string', format: 'binary' }, description: `The file (${mediaTypes.join(' or ')}).` }),
    ApiOkResponse({ type: ImportResultDto }),
    ApiProblem(400, 'Bad header (unknown/missing columns), empty or malformed file, or invalid county_id.'),
    ApiProblem(404, 'Unknown county.'),
    ApiProblem(413, 'The file is larger than IMPORT_MAX_BYTES.'),
    ApiProblem(415, `Content-Type is not ${mediaTypes.join(' or ')}.`),
  ) as MethodDecorator;
}

@ApiTags('counties')
@Controller(COUNTIES_PATH)
export class CountyImportsController {
  constructor(private readonly imports: CountyImportsService) {}

  @Post(':county_id/parcels/import')
  @ImportRoute(
    'Import parcels from CSV or a GeoJSON FeatureCollection.',
    [MEDIA_CSV, MEDIA_GEOJSON],
    `${PARCEL_COLUMNS.join(', ')}, optional geometry_wkt (WGS84 POLYGON/MULTIPOLYGON). GeoJSON features carry ` +
      'the same names as properties (parcel_id, neighborhood, property_class required) and their geometry ' +
      '(Point, Polygon or MultiPolygon); without a geometry the parcel is a Point at lon/lat',
  )
  async parcels(
    @Param() params: CountyParamsDto,
    @ImportUpload() upload: ImportUploadBody,
    @CurrentUser() user: AuthUser,
  ): Promise<ImportResultDto> {
    return this.imports.importFile(params.county_id, 'parcels', upload, user);
  }

  @Post(':county_id/sales/import')
  @ImportRoute(
    'Import sales from CSV.',
    [MEDIA_CSV],
    'parcel_id, sale_date (YYYY-MM-DD), sale_price, is_valid (true/false), validity_code, deed_type; ' +
      'natural key parcel_id + sale_date; a sale of a parcel the county does not have, or dated after today (UTC), ' +
      'is rejected',
  )
  async sales(
    @Param() params: CountyParamsDto,
    @ImportUpload() upload: ImportUploadBody,
    @CurrentUser() user: AuthUser,
  ): Promise<ImportResultDto> {
    return this.imports.importFile(params.county_id, 'sales', upload, user);
  }

  @Post(':county_id/assessments/import')
  @ImportRoute(
    'Import certified assessed values (per parcel and tax year) from CSV.',
    [MEDIA_CSV],
    'parcel_id, tax_year, land_value, improvement_value, total_value (optional); natural key parcel_id + tax_year; ' +
      'total_value is land_value + improvement_value: computed when empty, the row rejected when it differs by a ' +
      'cent; a value of a parcel the county does not have is rejected',
  )
  async assessments(
    @Param() params: CountyParamsDto,
    @ImportUpload() upload: ImportUploadBody,
    @CurrentUser() user: AuthUser,
  ): Promise<ImportResultDto> {
    return this.imports.importFile(params.county_id, 'assessments', upload, user);
  }
}
