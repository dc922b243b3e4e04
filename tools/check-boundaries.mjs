// Module boundaries by Nx tags: reads the project graph and refuses a dependency that the
// rules below do not allow (e.g. a target importing a host, or one target another).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** tag -> tags it may depend on. The sandbox and the testkit appear only in tests (devDependencies). */
export const rules = {
  'scope:core': ['scope:core', 'scope:testkit', 'scope:sandbox'],
  'scope:testkit': [],
  'scope:sandbox': ['scope:testkit'],
  'scope:target': ['scope:core', 'scope:testkit', 'scope:sandbox'],
  'scope:target-fpga': ['scope:core', 'scope:target', 'scope:testkit', 'scope:sandbox'],
  'scope:app': ['scope:core', 'scope:target', 'scope:target-fpga', 'scope:sandbox', 'scope:testkit'],
  // The reliability suite (packages/reliability) drives every target through deploy-core; nothing depends on it.
  'scope:reliability': ['scope:core', 'scope:target', 'scope:target-fpga', 'scope:sandbox', 'scope:testkit'],
};
// fpga may compose the AKS target, and no other.
const allowedTargetDeps = { '@dove/target-fpga': ['@dove/target-aks'] };

const dir = mkdtempSync(join(tmpdir(), 'dove-graph-'));
try {
  const file = join(dir, 'graph.json');
  execFileSync('nx', ['graph', `--file=${file}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { graph } = JSON.parse(readFileSync(file, 'utf8'));
  const problems = [];
  for (const [name, deps] of Object.entries(graph.dependencies)) {
    const node = graph.nodes[name];
    if (!node || node.type === 'npm') continue;
    const tags = node.data.tags ?? [];
    if (tags.length === 0) problems.push(`${name}: has no scope tag (package.json "nx.tags")`);
    for (const dep of deps) {
      const target = graph.nodes[dep.target];
      if (!target || dep.target.startsWith('npm:')) continue;
      const depTags = target.data.tags ?? [];
      const ok = tags.some((t) => depTags.some((d) => rules[t]?.includes(d)));
      const targetToTarget =
        depTags.includes('scope:target') && tags.some((t) => t.startsWith('scope:target'));
      if (!ok || (targetToTarget && !(allowedTargetDeps[name] ?? []).includes(dep.target))) {
        problems.push(`${name} (${tags.join(',')}) must not depend on ${dep.target} (${depTags.join(',')})`);
      }
    }
  }
  if (problems.length) {
    console.error(`Module boundaries broken:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    `Module boundaries: ${Object.keys(graph.nodes).length} projects checked, all dependencies allowed.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
