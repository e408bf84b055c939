// County and parcel read routes.
import { Body, Controller, Get, Param, Put, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { CountiesService } from './counties.service.js';
import { CountyDto, CountyListDto, CountyParamsDto, PutCountyDto } from './dto/county.dto.js';
import { ListParcelsQueryDto, ParcelDetailDto, ParcelPageDto, ParcelParamsDto } from './dto/parcel.dto.js';
import { ApiProblem } from '../common/dto/problem.dto.js';

export const COUNTIES_PATH = 'api/v1/counties';

@ApiTags('counties')
@Controller(COUNTIES_PATH)
export class CountiesController {
  constructor(private readonly counties: CountiesService) {}

  @Get()
  @RequirePermissions(Permission.DataRead)
  @ApiOperation({ summary: 'Counties with their parcel, sale and assessment counts.' })
  @ApiOkResponse({ type: CountyListDto })
  async list(@CurrentUser() user: AuthUser): Promise<CountyListDto> {
    const items = await this.counties.listCounties(user);
    return { items } as unknown as CountyListDto;
  }

  @Put(':county_id')
  @RequirePermissions(Permission.DataImport)
  @ApiOperation({ summary: 'Create a county (201) or replace its name and state (200).' })
  @ApiCreatedResponse({ type: CountyDto, description: 'Created; Location names the county.' })
  @ApiOkResponse({ type: CountyDto, description: 'Updated.' })
  @ApiProblem(400, 'The county_id is not a slug, or the body is invalid.')
  @ApiProblem(404, 'The county is outside the counties the token covers (it answers as if it did not exist).')
  async put(
    @Param() params: CountyParamsDto,
    @Body() body: PutCountyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentUser() user: AuthUser,
  ): Promise<CountyDto> {
    const { county, created } = await this.counties.putCounty(params.county_id, body.name, body.state ?? null, user);
    if (created) void reply.status(201).header('location', `/${COUNTIES_PATH}/${county.county_id}`);
    return county as unknown as CountyDto;
  }

  @Get(':county_id/parcels')
  @RequirePermissions(Permission.DataRead)
  @ApiOperation({
    summary: 'Parcels of a county in parcel_id order, filtered, with keyset (cursor) pagination.',
  })
  @ApiOkResponse({ type: ParcelPageDto })
  @ApiProblem(400, 'Invalid county_id, filter, limit or cursor.')
  @ApiProblem(404, 'Unknown county.')
  async parcels(
    @Param() params: CountyParamsDto,
    @Query() query: ListParcelsQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ParcelPageDto> {
    const page = await this.counties.listParcels(
      params.county_id,
      {
        neighborhood: query.neighborhood,
        propertyClass: query.property_class,
        limit: query.limit,
        cursor: query.cursor,
      },
      user,
    );
    return page as unknown as ParcelPageDto;
  }

  @Get(':county_id/parcels/:parcel_id')
  @RequirePermissions(Permission.DataRead)
  @ApiOperation({ summary: 'One parcel with its sales (newest first) and its values by tax year.' })
  @ApiOkResponse({ type: ParcelDetailDto })
  @ApiProblem(400, 'Invalid county_id or parcel_id.')
  @ApiProblem(404, 'Unknown county or parcel.')
  async parcel(@Param() params: ParcelParamsDto, @CurrentUser() user: AuthUser): Promise<ParcelDetailDto> {
    return (await this.counties.getParcel(params.county_id, params.parcel_id, user)) as unknown as ParcelDetailDto;
  }
}
