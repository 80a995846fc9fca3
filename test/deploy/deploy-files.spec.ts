/**
 * The deploy files (deploy/kubernetes, docker-compose.yml, Dockerfile) agree with the code: the
 * variables they set are the ones AppConfig reads and their values pass its validation, the
 * ports line up, the shutdown budget covers the service's own, and the paths the probes, health
 * checks and the metrics scrape call answer 200 on the real service.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { AppConfig, ConfigError, DEFAULTS, ENV_NAMES } from '@app/infrastructure';
import { type Stack, startStack } from '@test/support/stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const K8S_DIR = 'deploy/kubernetes';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const KNOWN = new Set<string>(ENV_NAMES);

/** Every document of a YAML file, failing on any syntax error. */
function yamlDocuments(path: string): any[] {
  return parseAllDocuments(read(path)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

/** The one resource of `kind` in a manifest file. */
function resource(file: string, kind: string): any {
  const found = yamlDocuments(`${K8S_DIR}/${file}`).filter((doc) => doc?.kind === kind);
  if (found.length !== 1) throw new Error(`${K8S_DIR}/${file}: expected one ${kind}, found ${found.length}`);
  return found[0];
}

/** The variables the code refuses to start without, from the code itself. */
function requiredVariables(): string[] {
  try {
    AppConfig.fromEnv({});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.split(':')[0]).sort();
    throw error;
  }
  throw new Error('AppConfig.fromEnv({}) accepted an empty environment');
}

/** Compose interpolation with nothing set in the shell: `${VAR:-default}` and `${VAR-default}` give the default. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (match, name, op, arg) => {
    if (match === '$$') return '$';
    if (op === ':-' || op === '-') return arg;
    if (op === ':?' || op === '?') throw new Error(`compose needs ${name} from the shell: ${arg}`);
    return '';
  });
}

/** A compose service's environment (map or list form), interpolated. */
function composeEnvironment(service: any): Record<string, string | undefined> {
  const raw = service.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((line: string) => (line.includes('=') ? [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] : [line, undefined]))
    : Object.entries(raw);
  return Object.fromEntries(entries.map(([name, value]) => [name, value === null || value === undefined ? undefined : interpolate(String(value))]));
}

/** `30s`, `1m30s`, `500ms` -> milliseconds. */
function durationMs(text: string): number {
  const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0) throw new Error(`not a duration: ${text}`);
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  return parts.reduce((total, [, n, u]) => total + Number(n) * unit[u], 0);
}

/** Kubernetes CPU and memory quantities, for comparing requests with limits. */
function quantity(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(value));
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factor: Record<string, number> = { '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(match[1]) * factor[match[2] ?? ''];
}

/** Dockerfile instructions per stage (continuations joined, comments dropped). */
function dockerfileStages(): { from: string; name?: string; instructions: { op: string; args: string }[] }[] {
  const lines = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: ReturnType<typeof dockerfileStages> = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stages.push({ from: m?.[1] ?? args, name: m?.[2], instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const subsetOf = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

// ---- the files, parsed once ------------------------------------------------------------------
const configMap = resource('configmap.yaml', 'ConfigMap');
const secret = resource('secret.example.yaml', 'Secret');
const deployment = resource('deployment.yaml', 'Deployment');
const service = resource('service.yaml', 'Service');
const pdb = resource('pdb.yaml', 'PodDisruptionBudget');
const kustomization = parse(read(`${K8S_DIR}/kustomization.yaml`));
const compose = parse(read('docker-compose.yml'), { merge: true });
const stages = dockerfileStages();

const podSpec = deployment.spec.template.spec;
const podLabels: Record<string, string> = deployment.spec.template.metadata.labels;
const podAnnotations: Record<string, string> = deployment.spec.template.metadata.annotations ?? {};
const containers: any[] = podSpec.containers;
const container = containers[0];
const configData: Record<string, string> = configMap.data ?? {};
const secretData: Record<string, string> = {
  ...secret.stringData,
  ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')])),
};
const containerEnv: any[] = container.env ?? [];
/** The container's environment as Kubernetes would build it for a pod named like a real one. */
const k8sEnv: Record<string, string> = {
  ...configData,
  ...secretData,
  ...Object.fromEntries(
    containerEnv.map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' ? 'message-dispatcher-7d9f8b6c5-x2x4q' : undefined)]),
  ),
};
const httpPort = (container.ports ?? []).find((p: any) => p.name === 'http');
const runtime = stages[stages.length - 1];
const dispatcherServices = Object.entries<any>(compose.services ?? {})
  // The services that run the image's default command: the dispatcher.
  .filter(([, s]) => s.build !== undefined && s.command === undefined)
  .sort(([a], [b]) => a.localeCompare(b));
/** What the service reads as HTTP paths from the probes, annotated or health-checked. */
const probePort = (probe: any) =>
  typeof probe.httpGet.port === 'string' ? (container.ports ?? []).find((p: any) => p.name === probe.httpGet.port)?.containerPort : probe.httpGet.port;
const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].filter((k) => container[k]).map((k) => ({ kind: k, probe: container[k] }));

describe('deploy files agree with the code', () => {
  const required = requiredVariables();

  it('knows which variables the code requires', () => {
    expect(required).toEqual(['API_KEYS', 'DATABASE_URL', 'WEBHOOK_AUTH_KEY', 'WEBHOOK_URL']);
  });

  describe('Kubernetes: variables', () => {
    it('names only variables AppConfig reads (ConfigMap, Secret, Deployment env)', () => {
      const names = [...Object.keys(configData), ...Object.keys(secretData), ...containerEnv.map((e) => e.name)];
      expect(names.filter((n) => !KNOWN.has(n))).toEqual([]);
      // Set twice, one silently wins.
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    });

    it('feeds the container from this ConfigMap and this Secret only', () => {
      expect(container.envFrom).toEqual(
        expect.arrayContaining([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]),
      );
      expect(container.envFrom).toHaveLength(2);
    });

    it('provides every required variable, and every variable the code reads except GIT_COMMIT (from the image)', () => {
      for (const name of required) expect({ name, provided: k8sEnv[name] !== undefined && k8sEnv[name] !== '' }).toEqual({ name, provided: true });
      const missing = ENV_NAMES.filter((n) => n !== 'GIT_COMMIT' && !(n in k8sEnv));
      expect(missing).toEqual([]);
      expect('GIT_COMMIT' in k8sEnv).toBe(false);
    });

    it('keeps credentials out of the ConfigMap, and the example Secret obviously fake', () => {
      const credentials = ['DATABASE_URL', 'REDIS_URL', 'WEBHOOK_AUTH_KEY', 'API_KEYS', 'ALERT_WEBHOOK_URL'];
      expect(Object.keys(configData).filter((n) => credentials.includes(n))).toEqual([]);
      expect(Object.keys(secretData).sort()).toEqual([...credentials].sort());
      for (const [name, value] of Object.entries(secretData)) {
        if (value !== '') expect({ name, fake: /fake|change-?me/i.test(value) }).toEqual({ name, fake: true });
      }
    });

    it('holds values AppConfig accepts', () => {
      const config = AppConfig.fromEnv(k8sEnv);
      expect(config.log.format).toBe('json');
      expect(config.instanceId).toBe('message-dispatcher-7d9f8b6c5-x2x4q');
      expect(config.redisUrl).not.toBeNull();
    });

    it('uses the production defaults of the code (LOG_FORMAT json rather than auto)', () => {
      const expected = Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, k === 'LOG_FORMAT' ? 'json' : String(v)]));
      const actual = Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, configData[k]]));
      expect(actual).toEqual(expected);
    });

    it('takes INSTANCE_ID from the pod name', () => {
      expect(containerEnv.find((e) => e.name === 'INSTANCE_ID')).toEqual({ name: 'INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    });
  });

  describe('Kubernetes: ports, probes and scraping', () => {
    it('publishes the ConfigMap PORT as the container port `http`, the Dockerfile EXPOSE', () => {
      expect(httpPort).toBeDefined();
      const exposed = runtime.instructions.filter((i) => i.op === 'EXPOSE').map((i) => Number(i.args.split('/')[0]));
      expect(exposed).toEqual([httpPort.containerPort]);
      expect(Number(configData.PORT)).toBe(httpPort.containerPort);
      expect(AppConfig.fromEnv(k8sEnv).port).toBe(httpPort.containerPort);
    });

    it('probes /health/live (startup, liveness) and /health/ready (readiness) on that port', () => {
      expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
      if (container.startupProbe) expect(container.startupProbe.httpGet?.path).toBe('/health/live');
      for (const { kind, probe } of probes) expect({ kind, port: probePort(probe) }).toEqual({ kind, port: httpPort.containerPort });
    });

    it('annotates the metrics scrape on that port', () => {
      expect(podAnnotations['prometheus.io/scrape']).toBe('true');
      expect(podAnnotations['prometheus.io/port']).toBe(String(httpPort.containerPort));
      expect(podAnnotations['prometheus.io/path']).toMatch(/^\//);
    });

    it('routes the Service to the container port by name, selecting the pods', () => {
      expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(service.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 'http' })]);
      expect(containers.flatMap((c) => (c.ports ?? []).map((p: any) => p.name))).toContain(service.spec.ports[0].targetPort);
      expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
      expect(subsetOf(service.spec.selector, podLabels)).toBe(true);
    });
  });

  describe('Kubernetes: the Deployment', () => {
    it('runs 3 replicas of the package version, rolling one extra pod at a time', () => {
      expect(deployment.spec.replicas).toBe(3);
      const version = JSON.parse(read('package.json')).version;
      expect(container.image).toMatch(new RegExp(`(^|/)message-dispatcher:${version.replace(/\./g, '\\.')}$`));
      expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
      expect(subsetOf(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    });

    it('gives the pod more time to stop than preStop + SHUTDOWN_GRACE_MS + WEBHOOK_TIMEOUT_MS', () => {
      const config = AppConfig.fromEnv(k8sEnv);
      const preStop: string[] = container.lifecycle?.preStop?.exec?.command ?? [];
      const sleepSeconds = Number(/(?:^|\s)sleep\s+(\d+(?:\.\d+)?)/.exec(preStop.join(' '))?.[1] ?? 0);
      expect(sleepSeconds).toBeGreaterThan(0);
      expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(sleepSeconds * 1000 + config.shutdownGraceMs + config.webhook.timeoutMs);
    });

    it('runs as a non-root user, read-only, without privileges or capabilities', () => {
      expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of containers) {
        const sc = c.securityContext ?? {};
        expect(sc).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(sc.capabilities?.drop).toContain('ALL');
        expect(sc.capabilities?.add ?? []).toEqual([]);
        expect(sc.privileged ?? false).toBe(false);
        expect(sc.runAsNonRoot ?? podSpec.securityContext.runAsNonRoot).toBe(true);
        expect(sc.runAsUser ?? podSpec.securityContext.runAsUser).toBe(1000);
      }
    });

    it('mounts an emptyDir at /tmp, the only writable path', () => {
      const mount = (container.volumeMounts ?? []).find((m: any) => m.mountPath === '/tmp');
      expect(mount).toBeDefined();
      expect(podSpec.volumes.find((v: any) => v.name === mount.name)?.emptyDir).toBeDefined();
    });

    it('requests and limits CPU and memory, requests within limits', () => {
      for (const c of containers) {
        for (const res of ['cpu', 'memory']) {
          const request = c.resources?.requests?.[res];
          const limit = c.resources?.limits?.[res];
          expect({ res, request: request !== undefined, limit: limit !== undefined }).toEqual({ res, request: true, limit: true });
          expect(quantity(request)).toBeLessThanOrEqual(quantity(limit));
        }
      }
    });

    it('spreads the replicas across nodes', () => {
      const spread = (podSpec.topologySpreadConstraints ?? []).filter((t: any) => t.topologyKey === 'kubernetes.io/hostname');
      const anti = [
        ...(podSpec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t.podAffinityTerm),
        ...(podSpec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ].filter((t: any) => t.topologyKey === 'kubernetes.io/hostname');
      const terms = [...spread, ...anti];
      expect(terms.length).toBeGreaterThan(0);
      for (const term of terms) expect(subsetOf(term.labelSelector.matchLabels, podLabels)).toBe(true);
    });

    it('lets at most one replica be evicted at a time, and never blocks a drain (PDB)', () => {
      expect(Object.keys(pdb.spec.selector.matchLabels).length).toBeGreaterThan(0);
      expect(subsetOf(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
      const replicas = deployment.spec.replicas;
      const allowed = pdb.spec.maxUnavailable !== undefined ? pdb.spec.maxUnavailable : replicas - pdb.spec.minAvailable;
      expect(allowed).toBe(1);
      expect(replicas - allowed).toBeGreaterThanOrEqual(2);
    });

    it('kustomization lists every manifest but the example Secret', () => {
      const manifests = readdirSync(join(ROOT, K8S_DIR)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
      expect(manifests).toContain('secret.example.yaml');
      expect([...kustomization.resources].sort()).toEqual(manifests.filter((f) => f !== 'secret.example.yaml').sort());
    });
  });

  describe('docker-compose.yml', () => {
    it('runs exactly two dispatchers, plus postgres, redis and gateway-sandbox, all health-checked', () => {
      expect(dispatcherServices.map(([name]) => name)).toEqual(['dispatcher', 'dispatcher-2']);
      expect(Object.keys(compose.services).sort()).toEqual(['dispatcher', 'dispatcher-2', 'gateway-sandbox', 'postgres', 'redis']);
      for (const [name, s] of Object.entries<any>(compose.services)) {
        expect({ name, healthcheck: Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1 }).toEqual({ name, healthcheck: true });
      }
    });

    it('gives each dispatcher known variables only, every required one, and values AppConfig accepts', () => {
      for (const [name, s] of dispatcherServices) {
        const env = composeEnvironment(s);
        expect({ name, unknown: Object.keys(env).filter((n) => !KNOWN.has(n)) }).toEqual({ name, unknown: [] });
        expect({ name, missing: required.filter((n) => !env[n]) }).toEqual({ name, missing: [] });
        const config = AppConfig.fromEnv(env);
        expect({ name, format: config.log.format, port: config.port }).toEqual({ name, format: 'json', port: httpPort.containerPort });
      }
    });

    it('names each dispatcher differently and publishes them on distinct host ports', () => {
      const ids = dispatcherServices.map(([, s]) => composeEnvironment(s).INSTANCE_ID);
      expect(ids.every(Boolean)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const published = dispatcherServices.map(([, s]) => {
        expect(s.ports).toHaveLength(1);
        const [host, target] = String(s.ports[0]).split(':').map(Number);
        expect(target).toBe(Number(composeEnvironment(s).PORT));
        return host;
      });
      expect(published).toEqual([3000, 3001]);
    });

    it('waits for the dependencies to be healthy, and stops gracefully', () => {
      for (const [name, s] of dispatcherServices) {
        for (const dep of ['postgres', 'redis', 'gateway-sandbox'])
          expect({ name, dep, condition: s.depends_on?.[dep]?.condition }).toEqual({ name, dep, condition: 'service_healthy' });
        const config = AppConfig.fromEnv(composeEnvironment(s));
        expect(durationMs(s.stop_grace_period)).toBeGreaterThan(config.shutdownGraceMs + config.webhook.timeoutMs);
      }
    });

    it('passes GIT_COMMIT to the image build', () => {
      for (const [, s] of dispatcherServices) expect(Object.keys(s.build.args ?? {})).toContain('GIT_COMMIT');
    });
  });

  describe('.env.example', () => {
    // The dispatcher's part: everything before the sandbox's section, which has its own variables.
    const dispatcherPart = read('.env.example').split('# --- Gateway sandbox')[0];
    const named = [...dispatcherPart.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]).filter((n) => n !== 'EMBEDDED_PG_PORT');

    it('lists every variable the service reads, and only those', () => {
      expect([...new Set(named)].sort()).toEqual([...ENV_NAMES].sort());
    });
  });

  describe('Dockerfile', () => {
    it('is multi-stage, and the final stage runs as node', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      // Every COPY --from names an earlier stage.
      stages.forEach((stage, index) => {
        for (const copy of stage.instructions.filter((i) => i.op === 'COPY' && i.args.includes('--from='))) {
          const from = /--from=(\S+)/.exec(copy.args)![1];
          expect({ copy: copy.args, stage: stages.slice(0, index).some((s) => s.name === from) }).toEqual({ copy: copy.args, stage: true });
        }
      });
      const users = runtime.instructions.filter((i) => i.op === 'USER').map((i) => i.args);
      expect(users[users.length - 1]).toBe('node');
    });

    it('ships node_modules from a stage that installs production dependencies only', () => {
      const copies = runtime.instructions.filter((i) => i.op === 'COPY' && /node_modules/.test(i.args));
      expect(copies).toHaveLength(1);
      const from = /--from=(\S+)/.exec(copies[0].args)?.[1];
      const source = stages.find((s) => s.name === from);
      expect(source).toBeDefined();
      const installs = source!.instructions.filter((i) => i.op === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
      expect(installs.length).toBeGreaterThan(0);
      for (const install of installs) expect(install.args).toMatch(/--omit=dev\b/);
    });

    it('records GIT_COMMIT from a build argument in the final stage', () => {
      expect(runtime.instructions).toContainEqual({ op: 'ARG', args: expect.stringMatching(/^GIT_COMMIT(=.*)?$/) });
      expect(runtime.instructions).toContainEqual({ op: 'ENV', args: expect.stringMatching(/^GIT_COMMIT=("?)\$\{?GIT_COMMIT\}?\1$/) });
    });
  });

  describe('the paths probed and scraped answer on the real service', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack();
    });

    afterAll(async () => {
      await stack?.close();
    });

    /** Every health path: the Kubernetes probes, compose's health checks and the Dockerfile HEALTHCHECK. */
    const healthPaths = (): string[] => {
      const fromProbes = probes.map(({ probe }) => probe.httpGet.path);
      const fromCompose = dispatcherServices.map(([name, s]) => {
        const m = /http:\/\/127\.0\.0\.1:(\d+)(\/[^'"\s)]*)/.exec(s.healthcheck.test.join(' '));
        if (!m) throw new Error(`${name}: no http://127.0.0.1:<port>/<path> in its health check`);
        expect(Number(m[1])).toBe(Number(composeEnvironment(s).PORT));
        return m[2];
      });
      const healthcheck = runtime.instructions.find((i) => i.op === 'HEALTHCHECK');
      const fromDockerfile = /'(\/health\/[^']*)'/.exec(healthcheck?.args ?? '')?.[1];
      expect(fromDockerfile).toBeDefined();
      expect(/process\.env\.PORT \|\| (\d+)/.exec(healthcheck!.args)?.[1]).toBe(String(httpPort.containerPort));
      return [...new Set([...fromProbes, ...fromCompose, fromDockerfile!])].sort();
    };

    it('health paths: 200', async () => {
      const paths = healthPaths();
      expect(paths).toEqual(['/health/live', '/health/ready']);
      for (const path of paths) {
        const res = await stack.api('get', path, false);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
    });

    it('the annotated metrics path: 200, Prometheus text format', async () => {
      const path = podAnnotations['prometheus.io/path'];
      const res = await stack.api('get', path, false);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
    });
  });
});
