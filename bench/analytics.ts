// `npm run bench:analytics`: every analytics benchmark part (bench/analytics-*.ts — the ratio study, the GIS
// exports) in turn, each in its own child process so one part's memory and timings do not bleed into another's,
// on the same machine in the same run. Exits non-zero when any part misses its target or fails.
// BENCH_ONLY=<part>[,<part>] runs only the named parts (e.g. BENCH_ONLY=ratio).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const parts = readdirSync(here)
  .filter((f) => /^analytics-[a-z0-9-]+\.js$/.test(f))
  .map((f) => ({ file: f, name: f.slice('analytics-'.length, -'.js'.length) }))
  .filter((p) => only.length === 0 || only.includes(p.name))
  .sort((a, b) => a.name.localeCompare(b.name));

function runPart(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', join(here, file)], { stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

async function main(): Promise<void> {
  if (parts.length === 0) throw new Error('no analytics benchmark parts found (bench/analytics-*.ts)');
  const outcome: string[] = [];
  for (const part of parts) {
    console.log(`\n== ${part.name} ==`);
    const code = await runPart(part.file);
    outcome.push(`${part.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`}`);
    if (code !== 0) process.exitCode = 1;
  }
  console.log(`\n${outcome.join('\n')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
