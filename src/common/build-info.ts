// Version and commit of the running build, for /info, /health/detailed and terrafusion_build_info.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  name: string;
  version: string;
  commit: string;
  nodeVersion: string;
}

let cached: BuildInfo | undefined;

function findPackageJson(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      return JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { name: string; version: string };
    } catch {
      dir = dirname(dir);
    }
  }
  return { name: 'terrafusion-api', version: '0.0.0' };
}

function findCommit(): string {
  const fromEnv = process.env.GIT_COMMIT?.trim();
  if (fromEnv && /^[0-9a-f]{7,40}$/i.test(fromEnv)) return fromEnv.slice(0, 12);
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

export function buildInfo(): BuildInfo {
  if (!cached) {
    const pkg = findPackageJson();
    cached = { name: pkg.name, version: pkg.version, commit: findCommit(), nodeVersion: process.version };
  }
  return cached;
}
