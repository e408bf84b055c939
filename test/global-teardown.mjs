import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  await globalThis.__TF_PG__?.stop();
  if (process.env.TF_TEST_PG_DIR) rmSync(process.env.TF_TEST_PG_DIR, { recursive: true, force: true });
}
