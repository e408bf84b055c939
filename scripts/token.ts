// `npm run token -- --role assessor --county demo [--ttl 1h] [--permissions a,b] [--sub name]`:
// prints a development token on stdout (details on stderr), signed like the service expects.
import { parseArgs } from 'node:util';
import { resolveAuthSettings } from '../src/auth/auth.config.js';
import { parseTtl, signDevToken } from '../src/auth/dev-token.js';
import { ConfigError, loadEnv } from '../src/config/env.js';

const USAGE = `Usage: npm run -s token -- --role <role> --county <id|*> [--ttl 1h] [--permissions a,b] [--sub name]
  --role         role(s), repeatable or comma-separated (admin, assessor, analyst, viewer, monitoring)
  --county       county id(s) the token may touch, repeatable or comma-separated; * for all
  --permissions  extra permission names, comma-separated
  --ttl          lifetime: 90s, 15m, 1h (default), 7d (at most 30d)
  --sub          subject (default dev-<role>)`;

function list(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function main(): number {
  let args;
  try {
    args = parseArgs({
      options: {
        role: { type: 'string', multiple: true },
        county: { type: 'string', multiple: true },
        permissions: { type: 'string', multiple: true },
        ttl: { type: 'string', default: '1h' },
        sub: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const roles = list(args.role);
  const counties = list(args.county);
  const permissions = list(args.permissions);
  if (roles.length === 0 && permissions.length === 0) {
    process.stderr.write(`Give --role and/or --permissions.\n${USAGE}\n`);
    return 2;
  }
  if (counties.length === 0) {
    process.stderr.write(`Give --county <id> (or --county '*' for every county).\n${USAGE}\n`);
    return 2;
  }
  try {
    const env = loadEnv();
    if (env.NODE_ENV === 'production') {
      throw new Error('NODE_ENV=production: dev tokens are for development; use your identity provider.');
    }
    const settings = resolveAuthSettings(env);
    const ttlSeconds = parseTtl(args.ttl ?? '1h');
    const token = signDevToken(settings, { roles, counties, permissions, ttlSeconds, sub: args.sub });
    process.stderr.write(
      `Token for ${args.sub ?? `dev-${roles[0] ?? 'user'}`} (roles: ${roles.join(', ') || '-'}; counties: ${counties.join(', ')}; ` +
        `expires in ${args.ttl}).\n`,
    );
    process.stdout.write(`${token}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `token: ${(error as Error).message}`}\n`);
    return 1;
  }
}

process.exitCode = main();
