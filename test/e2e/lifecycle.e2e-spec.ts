// The built service as a real process: database outage and return, drain on SIGTERM, bad configuration.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import {
  createTestPostgres,
  ensureBuilt,
  freePort,
  get,
  isAlive,
  postgresPids,
  sleep,
  spawnServer,
  trickle,
  waitFor,
  type SpawnedServer,
  type TestPostgres,
} from '../support/process.js';
import { authHeader } from '../support/tokens.js';

// Real processes on a loaded 2-core machine: generous limits wherever timing is not what is tested.
describe('lifecycle of the built service', () => {
  let pg: TestPostgres;
  const servers: SpawnedServer[] = [];

  beforeAll(async () => {
    ensureBuilt();
    pg = await createTestPostgres(); // initialised, not started
  }, 240_000);

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.kill('SIGKILL');
      await s.exited;
    }
  });

  afterAll(async () => {
    await pg?.destroy();
  }, 60_000);

  it('keeps liveness up while the database is gone, turns ready 503 within 5 s and back to 200 within 10 s', async () => {
    await pg.start();
    try {
      const s = await spawnServer({ DATABASE_URL: pg.url('postgres'), SHUTDOWN_DELAY_MS: '0' });
      servers.push(s);
      await s.ready();

      await pg.stop();
      const downIn = await waitFor(
        'ready 503 after the database stopped',
        async () => (await get(s.baseUrl + '/health/ready', 3000)).status === 503,
        5000,
      );
      // A while without a database: the process stays up, liveness stays 200.
      for (let i = 0; i < 5; i++) {
        const live = await get(s.baseUrl + '/health/live');
        expect(live.status).toBe(200);
        const ready = await get(s.baseUrl + '/health/ready', 3000);
        expect(ready.status).toBe(503);
        expect(JSON.parse(ready.body).checks.database).toBe('down');
        await sleep(200);
      }

      await pg.start();
      const upIn = await waitFor(
        'ready 200 after the database came back',
        async () => (await get(s.baseUrl + '/health/ready', 3000)).status === 200,
        10_000,
      );
      process.stdout.write(`database stopped → ready 503 in ${downIn} ms; back → ready 200 in ${upIn} ms\n`);

      // Requests through the app's own pool work again (its dead connections were replaced).
      const detailed = await get(s.baseUrl + '/health/detailed', 5000, authHeader({ role: 'monitoring' }));
      expect(detailed.status).toBe(200);
      expect(JSON.parse(detailed.body).database.up).toBe(true);
      const counties = await get(s.baseUrl + '/api/v1/counties', 5000, authHeader({ role: 'admin' }));
      expect(counties.status).toBe(200);
      expect(s.stderr()).not.toMatch(/uncaught|unhandled/i);

      s.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await pg.stop();
    }
  }, 90_000);

  it('waits for a DATABASE_URL that is not up yet, logging each attempt at once, and starts when it comes', async () => {
    const s = await spawnServer({
      DATABASE_URL: pg.url('postgres'),
      DATABASE_CONNECT_RETRIES: '100',
      DATABASE_CONNECT_RETRY_DELAY_MS: '200',
    });
    servers.push(s);
    try {
      await waitFor('a logged failed attempt', async () => /"attempt":2,"attempts":101/.test(s.stdout()), 20_000);
      expect(s.stdout()).toMatch(
        /"level":"warn",.*"msg":"Database not reachable \(attempt 1 of 101\): connect ECONNREFUSED/,
      );
      await pg.start();
      await s.ready();
      expect(s.stdout()).toMatch(/"msg":"Database reachable \(attempt \d+ of 101\)"/);
      s.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await pg.stop();
    }
  }, 90_000);

  it('gives up on an unreachable database after its retries, and at once on a missing database, with exit 1', async () => {
    const started = Date.now();
    const down = await spawnServer({
      DATABASE_URL: 'postgres://app:hunter2-secret@127.0.0.1:1/terrafusion',
      DATABASE_CONNECT_RETRIES: '2',
      DATABASE_CONNECT_RETRY_DELAY_MS: '100',
    });
    servers.push(down);
    expect(await down.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(down.stdout().match(/Database not reachable/g)).toHaveLength(2);
    expect(down.stderr()).toContain('The database is not reachable after 3 attempt(s): connect ECONNREFUSED');
    expect(down.stdout() + down.stderr()).not.toContain('hunter2');
    expect(down.stderr()).not.toMatch(/\n\s+at /); // no stack trace

    await pg.start();
    try {
      const missing = await spawnServer({
        DATABASE_URL: pg.url('no_such_db'),
        DATABASE_CONNECT_RETRY_DELAY_MS: '5000',
      });
      servers.push(missing);
      expect(await missing.exited).toBe(1);
      expect(missing.stderr()).toMatch(
        /The database refused the connection: database "no_such_db" does not exist \(3D000\)/,
      );
      expect(missing.stdout()).not.toContain('Database not reachable');
    } finally {
      await pg.stop();
    }
  }, 90_000);

  it('drains on SIGTERM: ready 503 at once, live 200, in-flight request completes, exit 0, embedded PostgreSQL stopped', async () => {
    // No DATABASE_URL: the service starts its embedded server on the cluster prepared above.
    const s = await spawnServer({
      DATA_DIR: pg.root,
      EMBEDDED_PG_PORT: String(await freePort()),
      SHUTDOWN_DELAY_MS: '1000',
      SHUTDOWN_GRACE_MS: '10000',
    });
    servers.push(s);
    await s.ready(90_000);
    const dbPids = postgresPids(pg.dataDir);
    expect(dbPids.length).toBeGreaterThan(1);

    // An idle keep-alive connection must not hold the shutdown open.
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(s.baseUrl + '/health/live', 5000, {}, keepAlive)).status).toBe(200);

    // A slow upload (~2.5 s) that the server reads to the end before it answers.
    const body = JSON.stringify({ county_id: 'drain', padding: 'x'.repeat(4000) });
    let signalledAt = 0;
    const inFlight = trickle(
      s.baseUrl + '/drain-probe',
      'POST',
      { 'content-type': 'application/json', 'x-request-id': 'drain-1' },
      body,
      {
        chunks: 25,
        durationMs: 2500,
        onStarted: () => {
          signalledAt = Date.now();
          s.kill('SIGTERM');
        },
      },
    );

    // The drain window (SHUTDOWN_DELAY_MS = 1000): not ready, still alive, still serving.
    await waitFor('SIGTERM sent', async () => signalledAt > 0, 5000, 5);
    const during: Array<[number, number]> = [];
    while (Date.now() - signalledAt < 700) {
      const [ready, live] = await Promise.all([get(s.baseUrl + '/health/ready'), get(s.baseUrl + '/health/live')]);
      during.push([ready.status, live.status]);
      await sleep(100);
    }
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (const [ready, live] of during) {
      expect(ready).toBe(503);
      expect(live).toBe(200);
    }

    // After the delay the listener is closed: new connections are refused.
    await sleep(Math.max(0, signalledAt + 1300 - Date.now()));
    await expect(get(s.baseUrl + '/health/live', 2000)).rejects.toThrow(/ECONNREFUSED/);

    const res = await inFlight;
    const answeredAt = Date.now();
    expect(res.ms).toBeGreaterThan(2000);
    // The whole body was read and parsed (a cut body would be a 400), and the full answer arrived.
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('drain-1');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 404,
      detail: 'No route matches POST /drain-probe.',
      request_id: 'drain-1',
    });

    expect(await s.exited).toBe(0);
    const exitedAfterAnswer = Date.now() - answeredAt;
    process.stdout.write(
      `drain: SIGTERM→answer ${answeredAt - signalledAt} ms, answer→exit ${exitedAfterAnswer} ms, ` +
        `probes during delay ${JSON.stringify(during)}\n`,
    );
    expect(exitedAfterAnswer).toBeLessThan(5000); // the idle keep-alive connection did not hold it
    keepAlive.destroy();

    // The embedded server stopped with the service: no orphan processes, no lock file.
    for (const pid of dbPids) expect(isAlive(pid)).toBe(false);
    expect(postgresPids(pg.dataDir)).toEqual([]);
    expect(existsSync(join(pg.dataDir, 'postmaster.pid'))).toBe(false);
    expect(s.stdout()).toContain('Shutdown complete (exit 0)');
  }, 120_000);

  it('refuses a bad setting with exit 1 and one message naming it', async () => {
    const s = await spawnServer({ PORT: 'abc', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    servers.push(s);
    expect(await s.exited).toBe(1);
    const message = s.stderr();
    expect(message).toContain('Invalid configuration (1 setting)');
    expect(message).toContain('PORT must be a whole number (got "abc")');
    expect(message.trim().split('\n').length).toBeLessThanOrEqual(5);
    expect(message).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);

  it('names every bad setting at once', async () => {
    const s = await spawnServer({
      PORT: 'abc',
      DATABASE_POOL_MAX: '0',
      LOG_LEVEL: 'loud',
      SHUTDOWN_DELAY_MS: '-5',
    });
    servers.push(s);
    expect(await s.exited).toBe(1);
    const message = s.stderr();
    expect(message).toContain('Invalid configuration (4 settings)');
    for (const name of ['PORT', 'DATABASE_POOL_MAX', 'LOG_LEVEL', 'SHUTDOWN_DELAY_MS']) {
      expect(message).toMatch(new RegExp(`^  - ${name} `, 'm'));
    }
  }, 60_000);
});
