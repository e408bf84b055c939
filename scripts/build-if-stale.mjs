// `npm start` builds only when a source changed since the last build, so a restart with nothing changed
// starts at once (a full `nest build` takes 10-40 s on a small machine). Compares modification times of
// the compiled inputs with the stamp the last successful build left in dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-stamp';
const INPUTS = [
  'src',
  'scripts',
  'bench',
  'ormconfig.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package-lock.json',
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changed = Math.max(...INPUTS.map(newestMtime));
if (built > 0 && changed <= built && existsSync('dist/src/main.js')) {
  console.log('Build is up to date (dist/); `npm run build` forces a rebuild.');
} else {
  const started = Date.now();
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  writeFileSync(STAMP, new Date().toISOString() + '\n');
  console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
