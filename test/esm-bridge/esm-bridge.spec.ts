// The jest bridge (transform.cjs + setup.mjs) lets the CommonJS packages that require() Nest, jose or
// cookie load in the ESM test runner with the same Nest instance as the app: a Prometheus counter
// injected with @InjectMetric, a global ThrottlerGuard and Fastify's inject (light-my-request) all work.
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { InjectMetric, makeCounterProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import jwksRsa from 'jwks-rsa';
import type { Counter } from 'prom-client';

@Controller('hits')
class HitsController {
  constructor(@InjectMetric('bridge_hits_total') private readonly hits: Counter<string>) {}

  @Get()
  hit() {
    this.hits.inc();
    return { ok: true };
  }
}

@Module({
  imports: [
    PrometheusModule.register({ defaultMetrics: { enabled: false } }),
    ThrottlerModule.forRoot([{ ttl: 60_000, limit: 2 }]),
  ],
  controllers: [HitsController],
  providers: [
    makeCounterProvider({ name: 'bridge_hits_total', help: 'Requests to /hits.' }),
    { provide: APP_GUARD, useClass: ThrottlerGuard },
  ],
})
class BridgeModule {}

describe('ESM bridge for CommonJS packages', () => {
  it('loads nestjs-prometheus, throttler, jwks-rsa and light-my-request on one Nest instance', async () => {
    expect(typeof jwksRsa).toBe('function');
    expect(new jwksRsa.JwksClient({ jwksUri: 'http://127.0.0.1:1/jwks' })).toBeDefined();

    const moduleRef = await Test.createTestingModule({ imports: [BridgeModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url: '/hits' })).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
      const scrape = await app.inject({ method: 'GET', url: '/metrics' });
      expect(scrape.body).toContain('bridge_hits_total 2');
    } finally {
      await app.close();
      // PrometheusModule registers on prom-client's global registry: leave it as found.
      (await import('prom-client')).register.removeSingleMetric('bridge_hits_total');
    }
  });
});
