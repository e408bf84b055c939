// Loads .env, validates the environment once, and explains every bad setting in one message.
import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { envSchema, type Env } from './env.schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} setting${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSee .env.example or the README "Configuration" table.',
    );
    this.name = 'ConfigError';
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(environment)';
    const raw = source[key];
    const shown = raw === undefined ? '' : ` (got "${raw.length > 40 ? raw.slice(0, 40) + '…' : raw}")`;
    return `${key} ${issue.message}${isSecret(key) ? '' : shown}`;
  });
  throw new ConfigError(problems);
}

function isSecret(key: string): boolean {
  return /SECRET|TOKEN|PASSWORD|DATABASE_URL|KEY/.test(key);
}

let cached: Env | undefined;

/** Validated settings of this process (reads `.env` once, the real environment wins). */
export function loadEnv(): Env {
  if (!cached) {
    if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
    cached = parseEnv(process.env);
  }
  return cached;
}

/**
 * loadEnv() for an entry point: bad settings are explained on stderr and answer undefined (the caller
 * exits with 1); any other error is thrown.
 */
export function loadEnvOrReport(): Env | undefined {
  try {
    return loadEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

/** For tests that change process.env between app instances. */
export function resetEnvCache(): void {
  cached = undefined;
}
