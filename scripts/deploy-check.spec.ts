import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { catalogueExposition, extractMetricNames, missingMetrics, readNamesFile } from './check-dashboard-metrics.js';
import {
  checkBudgets,
  checkDashboard,
  checkRules,
  crossCheck,
  generatePrometheusRule,
  loadDashboards,
  PATHS,
  renderOverlay,
  runDeployChecks,
  validateSchemas,
  type K8sObject,
} from './deploy-check.js';

const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const withKubectl = hasKubectl ? it : it.skip;

const clone = <T>(v: T): T => structuredClone(v);
const byKind = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind)!;

describe('deploy checks on the repository', () => {
  withKubectl('pass for both overlays, compose, rules and dashboards, with generated files in sync', async () => {
    const report = await runDeployChecks();
    expect(report.errors).toEqual([]);
  });
});

describe('Kubernetes cross-checks', () => {
  const prod = hasKubectl ? renderOverlay(process.cwd(), 'k8s/overlays/prod') : [];
  const mutate = (fn: (objects: K8sObject[]) => void) => {
    const objects = clone(prod);
    fn(objects);
    return crossCheck(objects);
  };
  const app = (objects: K8sObject[]) => byKind(objects, 'Deployment').spec.template.spec.containers[0];

  withKubectl('accept the prod overlay', () => {
    expect(crossCheck(prod)).toEqual([]);
    expect(validateSchemas(prod)).toEqual([]);
  });

  withKubectl('reject a schema violation', () => {
    const objects = clone(prod);
    app(objects).ports[0].containerPort = '3000';
    expect(validateSchemas(objects)).toEqual([
      expect.stringContaining(
        'Deployment/terrafusion-api: data/spec/template/spec/containers/0/ports/0/containerPort must be integer',
      ),
    ]);
  });

  withKubectl('reject a probe on a route the app does not serve', () => {
    expect(mutate((o) => (app(o).readinessProbe.httpGet.path = '/healthz'))).toEqual([
      'readinessProbe path /healthz is not a route the app serves',
      'readinessProbe must use /health/ready',
    ]);
  });

  withKubectl('reject a liveness probe that checks the database', () => {
    expect(mutate((o) => (app(o).livenessProbe.httpGet.path = '/health/ready'))).toEqual([
      'livenessProbe must use /health/live (never the database)',
    ]);
  });

  withKubectl('reject a readiness timeout shorter than the database check', () => {
    expect(mutate((o) => (app(o).readinessProbe.timeoutSeconds = 1))).toEqual([
      'readinessProbe timeoutSeconds 1 leaves less than 1 s over HEALTH_DB_TIMEOUT_MS 500',
    ]);
  });

  withKubectl('reject container ports that differ from PORT / MANAGEMENT_PORT', () => {
    expect(mutate((o) => (byKind(o, 'ConfigMap').data.MANAGEMENT_PORT = '9100'))).toContain(
      'container port "metrics" is 9464, MANAGEMENT_PORT is 9100',
    );
  });

  withKubectl('reject a grace period shorter than delay + grace + preStop + margin', () => {
    expect(mutate((o) => (app(o).lifecycle = { preStop: { exec: { command: ['sleep', '15'] } } }))).toEqual([
      'terminationGracePeriodSeconds 30 < preStop 15 + SHUTDOWN_DELAY_MS/1000 5 + SHUTDOWN_GRACE_MS/1000 10 + margin 5',
    ]);
    expect(mutate((o) => (byKind(o, 'ConfigMap').data.SHUTDOWN_GRACE_MS = '30000'))).toHaveLength(1);
  });

  withKubectl('reject a ServiceMonitor that scrapes the wrong port, path or token', () => {
    expect(mutate((o) => (byKind(o, 'ServiceMonitor').spec.endpoints[0].port = 'http'))).toEqual([
      'ServiceMonitor endpoint port http does not reach MANAGEMENT_PORT 9464',
    ]);
    expect(mutate((o) => (byKind(o, 'ServiceMonitor').spec.endpoints[0].path = '/prometheus'))).toEqual([
      'ServiceMonitor path /prometheus is not /metrics',
    ]);
    expect(
      mutate((o) => (byKind(o, 'ServiceMonitor').spec.endpoints[0].authorization.credentials.key = 'TOKEN')),
    ).toEqual(["ServiceMonitor token terrafusion-api-secrets/TOKEN is not the pod's METRICS_AUTH_TOKEN source"]);
    expect(mutate((o) => delete byKind(o, 'ServiceMonitor').metadata.labels.release)).toEqual([
      'ServiceMonitor needs the `release` label kube-prometheus-stack selects by',
      'PrometheusRule and ServiceMonitor must carry the same `release` label',
    ]);
  });

  withKubectl('reject a Service that does not select the pods or selects the migration Job', () => {
    expect(
      mutate((o) => (byKind(o, 'Service').spec.selector = { 'app.kubernetes.io/name': 'terrafusion-api' })),
    ).toEqual(["Service selector also selects Job terrafusion-migrate's pod"]);
    expect(mutate((o) => (byKind(o, 'Service').spec.selector = { app: 'other' }))).toEqual([
      'Service selector does not select the Deployment pods',
    ]);
  });

  withKubectl('reject an unknown setting and a bad value in the ConfigMap', () => {
    expect(mutate((o) => (byKind(o, 'ConfigMap').data.LOG_LEVL = 'debug'))).toEqual([
      'ConfigMap terrafusion-api-config: LOG_LEVL is not a setting of src/config/env.schema.ts',
    ]);
    expect(mutate((o) => (byKind(o, 'ConfigMap').data.PORT = 'http'))).toEqual([
      'ConfigMap: PORT must be a whole number',
    ]);
  });

  withKubectl('reject a writable DATA_DIR outside the emptyDir and a missing hardening setting', () => {
    expect(mutate((o) => (byKind(o, 'ConfigMap').data.DATA_DIR = '/app/.data'))).toEqual([
      'DATA_DIR /app/.data is not on a writable emptyDir mount (/tmp)',
    ]);
    expect(mutate((o) => (app(o).securityContext.readOnlyRootFilesystem = false))).toEqual([
      'container must set readOnlyRootFilesystem: true',
    ]);
  });
});

describe('alert rules', () => {
  const rulesText = readFileSync(PATHS.rules, 'utf8');
  const tests = [readFileSync(`${PATHS.ruleTests}/terrafusion.rules.test.yml`, 'utf8')];
  const runbooks = readFileSync(PATHS.runbooks, 'utf8');

  it('are annotated, tested both ways and have runbooks', () => {
    expect(checkRules(rulesText, tests, runbooks)).toEqual([]);
  });

  it('report an alert without a runbook section or a non-firing test', () => {
    expect(checkRules(rulesText, tests, runbooks.replace('## TerraFusionEventLoopLag', '## Lag'))).toEqual([
      `alert TerraFusionEventLoopLag: runbook anchor #terrafusioneventlooplag is not a heading of ${PATHS.runbooks}`,
    ]);
    const noSilentCase = tests[0].replace(
      / {6}- eval_time: 3m\n {8}alertname: TerraFusionEventLoopLag\n {8}exp_alerts: \[\]\n/,
      '',
    );
    expect(checkRules(rulesText, [noSilentCase], runbooks)).toEqual([
      'alert TerraFusionEventLoopLag has no promtool test where it must not fire',
    ]);
  });

  it('generate the PrometheusRule that is committed', () => {
    expect(readFileSync(PATHS.prometheusRule, 'utf8')).toBe(generatePrometheusRule(rulesText));
  });

  it('keep job duration budgets below the largest histogram bucket', () => {
    const buckets = { valuation: [1, 60], reporting: [300], market_analysis: [600], gis_export: [3600] };
    expect(checkBudgets(rulesText, buckets)).toEqual([]);
    expect(checkBudgets(rulesText, { ...buckets, valuation: [1, 10] })).toEqual([
      'job budget 30 s of valuation is not below its largest bucket 10 s',
    ]);
  });
});

describe('dashboards', () => {
  it('use the datasource variable and the template variables the issue asks for', () => {
    const dashboards = loadDashboards(process.cwd());
    expect(dashboards.map((d) => d.json.uid)).toEqual(['terrafusion-api', 'terrafusion-jobs']);
    for (const d of dashboards) expect(checkDashboard(d.file, d.json, ['namespace', 'instance'])).toEqual([]);
  });

  it('report a hard-coded data source UID', () => {
    const [api] = loadDashboards(process.cwd());
    const json = clone(api.json);
    json.panels[1].targets[0].datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' };
    expect(checkDashboard('api.json', json, [])).toEqual([
      `api.json: panel "${json.panels[1].title}" target A uses data source "P1809F7CD0C75ACF3", not \${datasource}`,
    ]);
  });
});

describe('metric names', () => {
  it('are extracted from PromQL without functions, labels, keywords or Grafana variables', () => {
    expect(
      extractMetricNames(
        'histogram_quantile(0.95, sum by (route, le) (rate(http_request_duration_seconds_bucket{job="x", route=~"$route"}[$__rate_interval]))) > on (module) group_left () budget:seconds',
      ).sort(),
    ).toEqual(['budget:seconds', 'http_request_duration_seconds_bucket']);
    expect(
      extractMetricNames(
        'sum by (county_id) (rate({__name__=~"(valuation|report)_jobs_submitted_total", county_id=~"$county"}[5m]))',
      ).sort(),
    ).toEqual(['report_jobs_submitted_total', 'valuation_jobs_submitted_total']);
    expect(extractMetricNames('label_values(terrafusion_build_info{namespace=~"$namespace"}, instance)')).toEqual([
      'terrafusion_build_info',
    ]);
  });

  it('are found in a scrape by sample, by HELP/TYPE alone, and by histogram family', () => {
    const scrape = [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="GET",route="/info",status_code="200"} 3',
      '# HELP valuation_jobs_failed_total Failed.',
      '# TYPE valuation_jobs_failed_total counter',
      '# HELP valuation_processing_duration_seconds Duration.',
      '# TYPE valuation_processing_duration_seconds histogram',
      'process_resident_memory_bytes 1234',
    ].join('\n');
    expect(
      missingMetrics(scrape, [
        'http_requests_total',
        'valuation_jobs_failed_total',
        'valuation_processing_duration_seconds_bucket',
        'process_resident_memory_bytes',
        'http_requests_in_flight',
        'http_requests_total_bucket',
      ]),
    ).toEqual(['http_requests_in_flight', 'http_requests_total_bucket']);
  });

  it('used by dashboards and alerts are all declared by the service', () => {
    const used = readNamesFile(readFileSync(PATHS.metricNames, 'utf8'));
    expect(used.length).toBeGreaterThan(20);
    expect(missingMetrics(catalogueExposition(), used)).toEqual([]);
  });
});
