import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

/** The TypeScript sources of the platform (not tests), concatenated. */
function platformSources(): string {
  const dirs = ['api', 'common', 'worker', 'activities', 'cli'];
  const files = dirs.flatMap((dir) =>
    fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, dir, f)),
  );
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

test('every platform metric the Grafana dashboard queries is one the platform defines', () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'deploy', 'grafana', 'osgp-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
  for (const topic of ['throughput', 'latency', 'failures', 'queue depth']) expect(titles).toContain(topic);
  const names = new Set(
    dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bosgp_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')))),
  );
  const sources = platformSources();
  const unknown = [...names].filter((name) => !sources.includes(`'${name}'`));
  expect(names.size).toBeGreaterThan(5);
  expect(unknown).toEqual([]);
});
