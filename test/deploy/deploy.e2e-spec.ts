// The deployment against the running service: the probes and the ServiceMonitor of the prod overlay hit
// routes the app really serves, on the ports they name, and every metric the dashboards and alerts use is
// in a real scrape (so a renamed metric cannot silently blank a panel or disarm an alert).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ManagementServer } from '../../src/observability/management-server.js';
import { missingMetrics, readNamesFile } from '../../scripts/check-dashboard-metrics.js';
import {
  APP_OPERATION_ROUTES,
  PATHS,
  parseYamlStream,
  renderOverlay,
  type K8sObject,
} from '../../scripts/deploy-check.js';
import { createTestApp, httpRequest, type TestApp } from '../support/test-app.js';

const METRICS_TOKEN = 'deploy-check-scrape-token-0123456789';

/** The prod overlay, or the base files when kubectl is not installed (same Deployment and ServiceMonitor). */
function prodObjects(): K8sObject[] {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return renderOverlay(process.cwd(), 'k8s/overlays/prod');
  } catch {
    return ['deployment', 'configmap', 'service', 'servicemonitor'].flatMap((f) =>
      parseYamlStream(readFileSync(`k8s/base/${f}.yaml`, 'utf8')),
    );
  }
}

describe('deployment manifests against the running service', () => {
  const objects = prodObjects();
  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  const container = deployment.spec.template.spec.containers[0];
  const config: Record<string, string> = objects.find((o) => o.kind === 'ConfigMap')!.data;
  const service = objects.find((o) => o.kind === 'Service')!;
  const monitor = objects.find((o) => o.kind === 'ServiceMonitor')!;
  let t: TestApp;
  let management: ManagementServer;
  let baseByPortName: Record<string, string>;

  beforeAll(async () => {
    // The ConfigMap's timings and limits, so the app runs with what the pods get (ports are chosen here).
    const { HEALTH_DB_TIMEOUT_MS, SHUTDOWN_DELAY_MS, SHUTDOWN_GRACE_MS, DATABASE_POOL_MAX } = config;
    t = await createTestApp({
      HEALTH_DB_TIMEOUT_MS,
      SHUTDOWN_DELAY_MS,
      SHUTDOWN_GRACE_MS,
      DATABASE_POOL_MAX,
      METRICS_AUTH_TOKEN: METRICS_TOKEN,
    });
    management = (await ManagementServer.start(t.app, 0, '127.0.0.1'))!;
    baseByPortName = { http: t.baseUrl, metrics: `http://127.0.0.1:${management.port}` };
  });
  afterAll(async () => {
    await management?.close();
    await t?.close();
  });

  it('serves every operations route the manifests may name', async () => {
    for (const route of APP_OPERATION_ROUTES) {
      const res = await t.request('GET', route, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect({ route, status: res.status }).toEqual({ route, status: 200 });
    }
  });

  it('answers each probe with 200 on the port the probe names', async () => {
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map((k) => [k, container[k].httpGet]);
    expect(probes.length).toBe(3);
    for (const [kind, { path, port }] of probes) {
      const res = await httpRequest(baseByPortName[port], 'GET', path);
      expect({ kind, path, port, status: res.status }).toEqual({ kind, path, port, status: 200 });
    }
  });

  it('lets the ServiceMonitor scrape its port and path with the bearer token, and only with it', async () => {
    const endpoint = monitor.spec.endpoints[0];
    const servicePort = service.spec.ports.find((p: K8sObject) => p.name === endpoint.port);
    const base = baseByPortName[servicePort.targetPort];
    expect((await httpRequest(base, 'GET', endpoint.path)).status).toBe(401);
    const res = await httpRequest(base, 'GET', endpoint.path, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('exposes every metric name the dashboards and alert rules use', async () => {
    // Some traffic first, so request, DB and auth families have samples as well as HELP/TYPE lines.
    await t.request('GET', '/health/ready');
    await t.request('GET', '/api/v1/valuation/jobs');
    const scrape = await httpRequest(baseByPortName.metrics, 'GET', '/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const used = readNamesFile(readFileSync(PATHS.metricNames, 'utf8'));
    expect(used.length).toBeGreaterThan(20);
    expect(missingMetrics(scrape.text, used)).toEqual([]);
  });
});
