import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse, stringify } from 'yaml';
import { ServiceMetrics } from '@pupitre/shared';

/**
 * The monitoring that ships in docs/ (the alerting rules and the Grafana dashboard) against the code:
 * every expression parses as PromQL, and names only metrics the services export, so a renamed metric
 * cannot leave an alert that never fires or a panel that stays empty. And the alerts' behaviour, by
 * Prometheus itself: `promtool check rules`, then `promtool test rules` on the cases of
 * prometheus-alerts.cases.yml (scripts/promtool.sh finds promtool or fetches it; a missing one fails).
 */
const ROOT = join(__dirname, '..', '..');
const RULES = join(ROOT, 'docs', 'prometheus-alerts.yml');

/** The metric names registered in the services' sources, prom-client's defaults, and Prometheus's `up`. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>(['up']);
  for (const name of new ServiceMetrics('monitoring-spec').registry
    .getMetricsAsArray()
    .map((m) => m.name as string))
    names.add(name);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : walk(path);
      return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
    });
  for (const dir of ['apps', 'libs'])
    for (const file of walk(join(ROOT, dir)))
      for (const [, name] of readFileSync(file, 'utf8').matchAll(/'(pupitre_[a-z_]+)'/g)) names.add(name);
  return names;
}

const exported = exportedMetrics();
/** A histogram's series carry its name with a suffix. */
const isExported = (name: string) =>
  exported.has(name) || exported.has(name.replace(/_(bucket|count|sum)$/, ''));

/** The expression's syntax errors and the metric names it selects. */
function read(expr: string): { errors: string[]; metrics: string[] } {
  const errors: string[] = [];
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        if (name) metrics.push(expr.slice(name.from, name.to));
      }
    },
  });
  return { errors, metrics };
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const rules = parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const alerts = rules.groups.flatMap((g) => g.rules);

const panels = (
  JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  }
).panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));

describe('monitoring in docs/', () => {
  it('reads the metric names of an expression, and its syntax errors', () => {
    expect(read('sum by (route) (rate(pupitre_http_refused_total{status="503"}[5m])) > 0')).toEqual({
      errors: [],
      metrics: ['pupitre_http_refused_total'],
    });
    expect(read('sum by (route (rate(x[5m]))').errors).not.toEqual([]);
    // A name no service exports, inside a range: caught.
    const { metrics } = read('rate(pupitre_nope_total[5m]) > 0');
    expect(metrics).toEqual(['pupitre_nope_total']);
    expect(metrics.filter((m) => !isExported(m))).toEqual(['pupitre_nope_total']);
  });

  it.each(alerts.map((r) => [r.alert, r] as const))(
    'alert %s parses and names only exported metrics',
    (_, rule) => {
      const { errors, metrics } = read(rule.expr);
      expect(errors).toEqual([]);
      expect(metrics.length).toBeGreaterThan(0);
      expect(metrics.filter((m) => !isExported(m))).toEqual([]);
      expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(rule.annotations.summary).toBeTruthy();
      expect(rule.annotations.description).toBeTruthy();
    },
  );

  it('names each alert once', () => {
    const names = alerts.map((r) => r.alert);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it.each(panels.map((p) => [p.title, p.expr] as const))(
    'panel %s: %s parses and names only exported metrics',
    (_, expr) => {
      const { errors, metrics } = read(expr);
      expect(errors).toEqual([]);
      expect(metrics.filter((m) => !isExported(m))).toEqual([]);
    },
  );

  describe('by Prometheus (promtool)', () => {
    let promtool: string;
    /** promtool's output, with its exit status: it says which case failed and what it got. */
    const run = (args: string[], cwd = ROOT) => {
      try {
        return { status: 0, output: execFileSync(promtool, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
      } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { status: e.status, output: `${e.stdout}${e.stderr}` };
      }
    };

    beforeAll(() => {
      promtool = execFileSync('bash', [join(ROOT, 'scripts', 'promtool.sh'), 'path'], {
        encoding: 'utf8',
      }).trim();
    });

    it('checks the rules: their expressions, templates and fields', () => {
      expect(run(['check', 'rules', RULES])).toEqual({
        status: 0,
        output: expect.stringContaining('SUCCESS'),
      });
    });

    it('fires each alert on the series that should fire it, after its `for`, and on none of their neighbours', () => {
      // promtool compares annotations whole: the cases hold each summary, rendered; not the descriptions.
      const dir = mkdtempSync(join(tmpdir(), 'pupitre-alerts-'));
      try {
        const summariesOnly = {
          groups: rules.groups.map((g) => ({
            ...g,
            rules: g.rules.map((r) => ({ ...r, annotations: { summary: r.annotations.summary } })),
          })),
        };
        writeFileSync(join(dir, 'prometheus-alerts.yml'), stringify(summariesOnly));
        copyFileSync(join(__dirname, 'prometheus-alerts.cases.yml'), join(dir, 'cases.yml'));
        expect(run(['test', 'rules', 'cases.yml'], dir)).toEqual({
          status: 0,
          output: expect.stringContaining('SUCCESS'),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('has a case for every alert', () => {
      const cases = parse(readFileSync(join(__dirname, 'prometheus-alerts.cases.yml'), 'utf8')) as {
        tests: { alert_rule_test: { alertname: string }[] }[];
      };
      const tested = new Set(cases.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
      expect(alerts.map((r) => r.alert).filter((name) => !tested.has(name))).toEqual([]);
    });
  });
});
