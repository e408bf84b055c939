// Work done once before listening (demo data, dev secrets); features add their steps here.
import { Logger, type INestApplication } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { appConfig } from '../config/app.config.js';
import { loadDemoCountyIfEmpty, type DemoLoadResult } from '../demo/demo-data.service.js';

export const DEMO_COUNTY_ID = 'demo';

export async function runStartupTasks(app: INestApplication): Promise<void> {
  await loadDemoDataIfEmpty(app);
}

/**
 * With DEMO_DATA on and no county in the database, loads the demo county (DEMO_PARCELS, DEMO_SEED) so a
 * first start has something to analyse. Safe with several replicas starting at once (advisory lock).
 */
export async function loadDemoDataIfEmpty(app: INestApplication): Promise<DemoLoadResult | null> {
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  if (!config.demoData) return null;
  const logger = new Logger('DemoData');
  const result = await loadDemoCountyIfEmpty(app.get(DataSource), {
    countyId: DEMO_COUNTY_ID,
    parcels: config.demoParcels,
    seed: config.demoSeed,
  });
  if (result) {
    logger.log(
      `Loaded demo county "${result.countyId}" (seed ${result.seed}): ${result.parcels} parcels, ` +
        `${result.sales} sales, ${result.assessments} assessed values in ${(result.durationMs / 1000).toFixed(1)} s`,
    );
  } else {
    logger.debug?.('Demo data not loaded: the database already has counties');
  }
  return result;
}
