// The development HS256 secret: created once under DATA_DIR (mode 0600), shared by the service and `npm run token`.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEV_SECRET_FILE = 'dev-jwt-secret';

export function devSecretPath(dataDir: string): string {
  return join(dataDir, DEV_SECRET_FILE);
}

/** Reads the dev secret, creating it (exclusively, 0600) when absent. */
export function ensureDevSecret(dataDir: string): string {
  const path = devSecretPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A copied or hand-made file may be readable by others: tighten it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, 'utf8').trim();
  if (Buffer.byteLength(secret) < 32) {
    throw new Error(`${path} holds a secret shorter than 32 bytes; delete it to have a new one created`);
  }
  return secret;
}
