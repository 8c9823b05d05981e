/**
 * The production recipe (docker-compose.yml, Dockerfile, deploy/) cannot be run here (no Docker engine), so its
 * structure is checked statically: services, start order, image pins, the search attributes the setup job
 * registers, exposed ports, the image's base and user, and that everything it mounts from the repo exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';

const ROOT = join(__dirname, '..', '..');
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

type StringList = string | string[];
interface LongVolume {
  type?: string;
  source?: string;
  target: string;
  read_only?: boolean;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: StringList;
  entrypoint?: StringList;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  volumes?: (string | LongVolume)[];
  ports?: (string | number | Record<string, unknown>)[];
  expose?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  healthcheck?: { test?: StringList; disable?: boolean };
  container_name?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as Compose;

const EXPECTED_SERVICES = [
  'postgresql',
  'temporal-schema',
  'temporal',
  'temporal-setup',
  'temporal-ui',
  'invsync-worker',
  'invsync-ingress',
];
const ONE_SHOT = ['temporal-schema', 'temporal-setup'];
const LONG_RUNNING = EXPECTED_SERVICES.filter((s) => !ONE_SHOT.includes(s));
const INVSYNC_SERVICES = ['invsync-worker', 'invsync-ingress'];
const TEMPORAL_VERSION = '1.30.1';
/** Files the operator supplies next to docker-compose.yml; they are not in the repository. */
const OPERATOR_PROVIDED = ['invsync.config.yaml'];

function service(name: string): Service {
  const svc = compose.services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service "${name}"`);
  return svc;
}

/** Compose variable interpolation with the defaults written in the file (the process environment is ignored). */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (m, _name: string, fallback?: string) => {
      if (m === '$$') return '$';
      if (fallback === undefined) throw new Error(`${m} has no default value in docker-compose.yml`);
      return fallback;
    },
  );
}

function env(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const i = entry.indexOf('=');
      out[i < 0 ? entry : entry.slice(0, i)] = i < 0 ? '' : interpolate(entry.slice(i + 1));
    }
  } else {
    for (const [k, v] of Object.entries(raw)) out[k] = interpolate(String(v ?? ''));
  }
  return out;
}

function list(value: StringList | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

interface Mount {
  source: string;
  target: string;
  bind: boolean;
  readOnly: boolean;
}

function mounts(name: string): Mount[] {
  return (service(name).volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      return {
        source: v.source ?? '',
        target: v.target,
        bind: v.type === 'bind',
        readOnly: v.read_only === true,
      };
    }
    const [source = '', target = '', mode = ''] = interpolate(v).split(':');
    return { source, target, bind: /^[./~]/.test(source), readOnly: mode.split(',').includes('ro') };
  });
}

/** The repository path a container path of a service comes from, through its bind mounts. */
function hostPathFor(name: string, containerPath: string): string {
  for (const m of mounts(name).filter((x) => x.bind)) {
    if (containerPath === m.target) return join(ROOT, m.source);
    if (containerPath.startsWith(`${m.target}/`))
      return join(ROOT, m.source, containerPath.slice(m.target.length + 1));
  }
  throw new Error(`service ${name}: ${containerPath} is not inside any bind mount`);
}

/** The shell script a one-shot service runs, read from the repository file mounted at the path it runs. */
function scriptRunBy(name: string): { containerPath: string; text: string } {
  const svc = service(name);
  const args = [...list(svc.entrypoint), ...list(svc.command)];
  const containerPath = args.find((a) => a.endsWith('.sh'));
  if (!containerPath) throw new Error(`service ${name} runs no .sh script: ${args.join(' ')}`);
  return { containerPath, text: readFileSync(hostPathFor(name, containerPath), 'utf8') };
}

/** Shell text without comment lines, so commented-out commands do not count. */
const code = (sh: string): string =>
  sh
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');

interface Port {
  hostIp: string | undefined;
  published: string;
  target: string;
}

function ports(name: string): Port[] {
  return (service(name).ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return {
        hostIp: p.host_ip === undefined ? undefined : interpolate(String(p.host_ip)),
        published: interpolate(String(p.published ?? '')),
        target: String(p.target),
      };
    }
    const parts = interpolate(String(p)).split(':');
    if (parts.length === 3) return { hostIp: parts[0], published: parts[1] ?? '', target: parts[2] ?? '' };
    if (parts.length === 2) return { hostIp: undefined, published: parts[0] ?? '', target: parts[1] ?? '' };
    return { hostIp: undefined, published: '', target: parts[0] ?? '' };
  });
}

function dependsOn(name: string): Record<string, string> {
  const deps = service(name).depends_on;
  if (deps === undefined) return {};
  // The short (list) form means "service_started", which orders nothing that matters here.
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v.condition ?? 'service_started']));
}

describe('docker-compose.yml: services and start order', () => {
  it('defines exactly the production services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...EXPECTED_SERVICES].sort());
  });

  it('chains the start: postgresql healthy -> schema completed -> temporal healthy -> setup completed -> invsync', () => {
    expect(dependsOn('postgresql')).toEqual({});
    expect(dependsOn('temporal-schema')).toEqual({ postgresql: 'service_healthy' });
    expect(dependsOn('temporal')).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependsOn('temporal-setup')).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn('temporal-ui')).toEqual({ temporal: 'service_healthy' });
    for (const name of INVSYNC_SERVICES) {
      expect(dependsOn(name)).toEqual({
        temporal: 'service_healthy',
        'temporal-setup': 'service_completed_successfully',
      });
    }
  });

  it('gives every service waited on as healthy a healthcheck (compose cannot start the chain otherwise)', () => {
    const waitedHealthy = new Set(
      EXPECTED_SERVICES.flatMap((name) =>
        Object.entries(dependsOn(name))
          .filter(([, condition]) => condition === 'service_healthy')
          .map(([dep]) => dep),
      ),
    );
    expect([...waitedHealthy].sort()).toEqual(['postgresql', 'temporal']);
    for (const dep of waitedHealthy) {
      const hc = service(dep).healthcheck;
      expect(hc?.disable).not.toBe(true);
      expect(list(hc?.test).length).toBeGreaterThan(1);
    }
    expect(list(service('postgresql').healthcheck?.test).join(' ')).toContain('pg_isready');
  });

  it('restarts long-running services unless stopped and never restarts the one-shot jobs', () => {
    for (const name of LONG_RUNNING) expect([name, service(name).restart]).toEqual([name, 'unless-stopped']);
    for (const name of ONE_SHOT) expect([name, service(name).restart ?? 'no']).toEqual([name, 'no']);
  });
});

describe('docker-compose.yml: images', () => {
  it('pins every image to an explicit version (no implicit or explicit `latest`)', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.image === undefined) {
        expect([name, svc.build]).toEqual([name, '.']);
        continue;
      }
      const image = interpolate(svc.image);
      const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1];
      expect([name, tag]).toEqual([name, expect.stringMatching(/^\d/)]);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('runs the Temporal server and admin tools at the same pinned version, on postgres 16', () => {
    expect(service('temporal').image).toBe(`temporalio/server:${TEMPORAL_VERSION}`);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${TEMPORAL_VERSION}`);
    expect(service('temporal-setup').image).toBe(`temporalio/admin-tools:${TEMPORAL_VERSION}`);
    expect(service('postgresql').image).toBe('postgres:16');
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it('builds the worker and the ingress from the repository Dockerfile', () => {
    for (const name of INVSYNC_SERVICES) {
      expect(service(name).build).toBe('.');
      expect(service(name).image).toBeUndefined();
    }
  });
});

describe('docker-compose.yml: Temporal', () => {
  it('points the schema job and the server at the same PostgreSQL with the same credentials', () => {
    const pg = env('postgresql');
    for (const name of ['temporal-schema', 'temporal']) {
      const e = env(name);
      expect(e).toMatchObject({ DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: 'postgresql' });
      expect(e.POSTGRES_USER).toBe(pg.POSTGRES_USER);
      expect(e.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
    }
    expect(compose.services[env('temporal').POSTGRES_SEEDS ?? '']).toBeDefined();
    expect(env('temporal').BIND_ON_IP).toBe('0.0.0.0');
  });

  it('keeps the database on a declared named volume', () => {
    const data = mounts('postgresql').find((m) => m.target === '/var/lib/postgresql/data');
    expect(data).toMatchObject({ bind: false, source: 'postgresql-data' });
    expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(['postgresql-data']));
  });

  it('loads a dynamic config file that exists in the repository through the mounted folder', () => {
    const path = env('temporal').DYNAMIC_CONFIG_FILE_PATH ?? '';
    expect(path).not.toBe('');
    // Relative paths are resolved against the server image's working directory /etc/temporal.
    const containerPath = posix.isAbsolute(path) ? path : posix.join('/etc/temporal', path);
    const hostPath = hostPathFor('temporal', containerPath);
    expect(hostPath).toBe(join(ROOT, 'deploy', 'temporal', 'dynamicconfig', 'development-sql.yaml'));
    const dynamic = parse(readFileSync(hostPath, 'utf8')) as Record<string, { value: unknown }[]>;
    expect(dynamic['limit.maxIDLength']?.[0]?.value).toBe(255);
  });

  it('creates both databases and applies the v12 versioned schemas in the schema job', () => {
    const sh = code(scriptRunBy('temporal-schema').text);
    expect(sh).toContain('--plugin postgres12');
    for (const [db, dir] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      expect(sh).toMatch(new RegExp(`--db ${db} create\\b`));
      expect(sh).toMatch(new RegExp(`--db ${db} setup-schema -v 0\\.0\\b`));
      expect(sh).toContain(
        `--db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${dir}/versioned`,
      );
    }
  });

  it('waits for cluster health and creates the namespace invsync uses in the setup job', () => {
    const setup = env('temporal-setup');
    expect(setup.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(setup.TEMPORAL_NAMESPACE).toBe('default');
    for (const name of INVSYNC_SERVICES) expect(env(name).TEMPORAL_NAMESPACE).toBe(setup.TEMPORAL_NAMESPACE);
    expect(service('temporal-setup').environment).toMatchObject({
      TEMPORAL_NAMESPACE: expect.stringContaining('${TEMPORAL_NAMESPACE:-default}'),
    });
    const sh = code(scriptRunBy('temporal-setup').text);
    expect(sh).toContain('temporal operator cluster health');
    expect(sh).toMatch(/temporal operator namespace create --namespace "\$NAMESPACE"/);
    expect(sh).toMatch(/NAMESPACE="\$\{TEMPORAL_NAMESPACE:-default\}"/);
  });

  it('registers exactly the search attributes of domain/search-attributes.ts, in the namespace', () => {
    const { text } = scriptRunBy('temporal-setup');
    const sh = code(text);
    const registered = [...sh.matchAll(/--name\s+([A-Za-z0-9_]+)\s+--type\s+([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      type: m[2],
    }));
    const byName = (a: { name?: string }, b: { name?: string }) => (a.name ?? '').localeCompare(b.name ?? '');
    expect(registered.sort(byName)).toEqual(SEARCH_ATTRIBUTES.map((sa) => ({ ...sa })).sort(byName));
    expect(sh).toMatch(/temporal operator search-attribute create --namespace "\$NAMESPACE"/);
  });
});

describe('docker-compose.yml: invsync worker and ingress', () => {
  it.each([
    ['invsync-worker', 'worker'],
    ['invsync-ingress', 'ingress'],
  ])('%s runs `npx invsync %s` with the mounted config and the compose Temporal', (name, command) => {
    const svc = service(name);
    expect(list(svc.command)).toEqual(['npx', 'invsync', command, '--config', '/config/invsync.config.yaml']);
    expect(mounts(name)).toContainEqual({
      source: './invsync.config.yaml',
      target: '/config/invsync.config.yaml',
      bind: true,
      readOnly: true,
    });
    expect(svc.env_file).toEqual([{ path: '.env', required: false }]);
    expect(env(name).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('publishes no port on all interfaces: every host binding defaults to 127.0.0.1', () => {
    for (const name of EXPECTED_SERVICES) {
      for (const p of ports(name)) expect([name, p.hostIp]).toEqual([name, '127.0.0.1']);
    }
  });

  it('publishes the ingress on 127.0.0.1:8080 and makes it listen on all interfaces inside the container', () => {
    expect(ports('invsync-ingress')).toEqual([{ hostIp: '127.0.0.1', published: '8080', target: '8080' }]);
    expect(env('invsync-ingress').INVSYNC_INGRESS_HOST).toBe('0.0.0.0');
    expect(list(service('invsync-ingress').healthcheck?.test).join(' ')).toContain(
      'http://127.0.0.1:8080/healthz',
    );
  });

  it('exposes the worker metrics port without a host port or container name, so the worker can be scaled', () => {
    const worker = service('invsync-worker');
    expect((worker.expose ?? []).map(String)).toContain('9464');
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.container_name).toBeUndefined();
  });
});

describe('docker-compose.yml: files mounted from the repository', () => {
  const binds = EXPECTED_SERVICES.flatMap((name) =>
    mounts(name)
      .filter((m) => m.bind)
      .map((m) => ({ name, ...m })),
  );

  it('mounts something from the repository (the checks below are not vacuous)', () => {
    expect(binds.length).toBeGreaterThanOrEqual(4);
  });

  it('mounts only files and folders that exist, apart from the operator-provided config', () => {
    const missing = binds
      .filter((m) => !OPERATOR_PROVIDED.includes(posix.normalize(m.source)))
      .filter((m) => !existsSync(join(ROOT, m.source)))
      .map((m) => `${m.name}: ${m.source}`);
    expect(missing).toEqual([]);
  });

  it('mounts everything from the repository read-only', () => {
    expect(binds.filter((m) => !m.readOnly).map((m) => `${m.name}: ${m.source}`)).toEqual([]);
  });

  it('keeps the operator-provided config out of git and out of the image', () => {
    const gitignore = read('.gitignore')
      .split('\n')
      .map((l) => l.trim());
    const dockerignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const file of OPERATOR_PROVIDED) {
      expect(gitignore.some((l) => l === file || l === `/${file}`)).toBe(true);
      expect(dockerignore).toContain(file);
    }
  });
});

describe('Dockerfile and .dockerignore', () => {
  /** Instructions with line continuations joined and comments dropped. */
  const instructions = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const of = (keyword: string) =>
    instructions
      .filter((l) => l.toUpperCase().startsWith(`${keyword} `))
      .map((l) => l.slice(keyword.length + 1).trim());

  it('is based on node:20-bookworm-slim (glibc), never Alpine', () => {
    const froms = of('FROM');
    expect(froms[0]).toBe('node:20-bookworm-slim');
    for (const f of froms) expect(f).not.toMatch(/alpine/i);
  });

  it('runs as the non-root node user', () => {
    const users = of('USER');
    expect(users.at(-1)).toBe('node');
    const lastUser = instructions.map((l) => l.toUpperCase().startsWith('USER ')).lastIndexOf(true);
    const lastRun = instructions.map((l) => l.toUpperCase().startsWith('RUN ')).lastIndexOf(true);
    expect(lastUser).toBeGreaterThan(lastRun);
  });

  it('installs production dependencies from the lockfile before copying the sources', () => {
    const copyLock = instructions.findIndex((l) => /^COPY\s.*package-lock\.json/i.test(l));
    const ci = instructions.findIndex((l) => /^RUN\s.*npm (ci|install) --omit=dev/i.test(l));
    const copyAll = instructions.findIndex((l) => /^COPY\s+(--chown=\S+\s+)?\.\s+\.$/i.test(l));
    expect(copyLock).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(copyLock);
    expect(copyAll).toBeGreaterThan(ci);
    expect(of('ENV').join(' ')).toMatch(/NODE_ENV=production/);
    expect(of('WORKDIR')).toEqual(['/app']);
    expect(JSON.parse(of('CMD').at(-1) ?? 'null')).toEqual(['npx', 'invsync', 'worker']);
  });

  it('runs the bin through tsx, which must therefore be a production dependency', () => {
    const pkg = JSON.parse(read('package.json')) as {
      bin?: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    expect(pkg.bin?.invsync).toBe('bin/invsync.cjs');
    expect(read('bin/invsync.cjs')).toContain("require('tsx/cjs')");
    expect(pkg.dependencies?.tsx).toBeDefined();
  });

  it('keeps dependencies, tests, local state and secrets out of the build context, but not the sources', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const entry of [
      'node_modules',
      '.tools',
      '.git',
      'test',
      'bench/results',
      'sandbox/.run',
      'coverage',
      '.env',
    ]) {
      expect(ignored).toContain(entry);
    }
    expect(ignored.some((l) => /^(\*\*\/)?\*\.db$/.test(l))).toBe(true);
    for (const needed of [
      'package.json',
      'package-lock.json',
      'bin',
      'cli',
      'domain',
      'workflows',
      'activities',
      'workers',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});
