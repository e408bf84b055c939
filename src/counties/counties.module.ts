// County data: counties, parcels, sales and assessed values — streamed imports and read routes.
import { Module } from '@nestjs/common';
import { CountiesController } from './counties.controller.js';
import { CountiesRepository } from './counties.repository.js';
import { CountiesService } from './counties.service.js';
import { CountyImportsController } from './county-imports.controller.js';
import { CountyImportsRepository } from './county-imports.repository.js';
import { CountyImportsService } from './county-imports.service.js';
import { ImportBodyParsers } from './import/import-body.js';
import { SetwiseCsvImporter } from './import/sql-import.js';
import { ParcelFiltersRepository } from './parcel-filters.repository.js';

@Module({
  controllers: [CountiesController, CountyImportsController],
  providers: [
    CountiesRepository,
    CountiesService,
    CountyImportsRepository,
    CountyImportsService,
    ImportBodyParsers,
    ParcelFiltersRepository,
    SetwiseCsvImporter,
  ],
  exports: [CountiesService, ParcelFiltersRepository],
})
export class CountiesModule {}
