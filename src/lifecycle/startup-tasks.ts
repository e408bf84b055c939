// Work done once before listening (demo data, dev secrets); features add their steps here.
import type { INestApplication } from '@nestjs/common';

export async function runStartupTasks(_app: INestApplication): Promise<void> {
  // Demo data loading is added by the seed module.
}
