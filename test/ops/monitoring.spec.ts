import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { ServiceMetrics } from '@pupitre/shared';

/**
 * The monitoring that ships in docs/ (the alerting rules and the Grafana dashboard) against the code:
 * every expression parses as PromQL, and names only metrics the services export, so a renamed metric
 * cannot leave an alert that never fires or a panel that stays empty.
 */
const ROOT = join(__dirname, '..', '..');

/** The metric names registered in the services' sources, and prom-client's defaults. */
function exportedMetrics(): Set<string> {
  const names = new Set(
    new ServiceMetrics('monitoring-spec').registry.getMetricsAsArray().map((m) => m.name as string),
  );
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

const alerts = (
  parse(readFileSync(join(ROOT, 'docs', 'prometheus-alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);

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
});
