import { Module } from '@nestjs/common';
import { GisExportEngineModule } from './gis-export-engine.js';
import { GisExportController } from './gis-export.controller.js';
import { GisExportProcessor } from './gis-export.processor.js';

/** GisExport job routes on the shared job platform, and the processor that runs exports with the engine. */
@Module({ imports: [GisExportEngineModule], controllers: [GisExportController], providers: [GisExportProcessor] })
export class GisExportModule {}
