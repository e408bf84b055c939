import { Module } from '@nestjs/common';
import { jobMetricProviders } from '../observability/decorators/index.js';
import { GIS_EXPORT_BYTES, GIS_EXPORT_FEATURES } from '../observability/metric-names.js';
import { counterProvider } from '../observability/metric-providers.js';
import { GisExportEngineModule } from './gis-export-engine.js';
import { GisExportController } from './gis-export.controller.js';
import { GisExportProcessor } from './gis-export.processor.js';

/** GisExport job routes on the shared job platform, and the processor that runs exports with the engine. */
@Module({
  imports: [GisExportEngineModule],
  controllers: [GisExportController],
  providers: [
    GisExportProcessor,
    ...jobMetricProviders(GisExportProcessor),
    counterProvider(GIS_EXPORT_BYTES),
    counterProvider(GIS_EXPORT_FEATURES),
  ],
})
export class GisExportModule {}
