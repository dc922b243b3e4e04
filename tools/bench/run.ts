// `npm run bench`: runs every scenario in tools/bench/scenarios/ (or `--only id,...`), prints a
// table, and writes results.json and RESULTS.md. A scenario that throws is reported as failed and
// the run goes on; the exit code is 1 when any failed.
//
//   npm run bench                       every scenario, full sizes → bench/
//   npm run bench -- --quick            small sizes (a smoke run) → bench/partial/
//   npm run bench -- --only edge,noop   some scenarios → bench/partial/
//   npm run bench -- --repeats 5 --out some/dir
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.ts';
import { renderMarkdown, renderTable } from './lib/report.ts';
import type { BenchRow, Scenario } from './scenario.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

export interface ScenarioOutcome {
  id: string;
  title: string;
  ok: boolean;
  seconds: number;
  rows: BenchRow[];
  error?: string;
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    repeats: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(
    'usage: npm run bench -- [--quick] [--only id,...] [--repeats n] [--out dir]\n' +
      'Full runs write bench/results.json and bench/RESULTS.md; --quick or --only write to bench/partial/.',
  );
  process.exit(0);
}

const partial = values.quick || values.only !== undefined;
const outDir = resolve(values.out ?? join(root, 'bench', partial ? 'partial' : ''));
const repeats = values.repeats ? Number(values.repeats) : values.quick ? 1 : 3;
if (!(Number.isInteger(repeats) && repeats > 0)) {
  console.error(`--repeats must be a positive integer, got ${values.repeats}`);
  process.exit(2);
}

async function loadScenarios(): Promise<Scenario[]> {
  const dir = join(here, 'scenarios');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'))
    .sort();
  const found: Scenario[] = [];
  for (const f of files) {
    // A module that does not load is a failed scenario, not a failed run.
    const id = f.replace(/\.ts$/, '');
    const broken = (why: string): Scenario => ({
      id,
      title: `tools/bench/scenarios/${f}`,
      run: () => Promise.reject(new Error(why)),
    });
    try {
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: Scenario };
      const s = mod.default;
      found.push(
        s && typeof s.run === 'function' && typeof s.id === 'string'
          ? s
          : broken(`tools/bench/scenarios/${f} does not default-export a Scenario ({ id, title, run })`),
      );
    } catch (err) {
      found.push(
        broken(`tools/bench/scenarios/${f} failed to load: ${(err as Error)?.stack ?? String(err)}`),
      );
    }
  }
  return found;
}

const all = await loadScenarios();
const wanted = values.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = (wanted ?? []).filter((id) => !all.some((s) => s.id === id));
if (unknown.length) {
  console.error(`unknown scenario id(s): ${unknown.join(', ')}; known: ${all.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
const chosen = wanted ? all.filter((s) => wanted.includes(s.id)) : all;

const started = Date.now();
const outcomes: ScenarioOutcome[] = [];
// A scenario's stray rejection must not end the run: count it against the scenario running.
let current: ScenarioOutcome | undefined;
process.on('unhandledRejection', (reason) => {
  const msg = `unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`;
  console.error(`[bench] ${msg}`);
  if (current) {
    current.ok = false;
    current.error = current.error ? `${current.error}\n${msg}` : msg;
  }
});

for (const s of chosen) {
  const tmpDir = mkdtempSync(join(tmpdir(), `dove-bench-${s.id}-`));
  const t0 = performance.now();
  const outcome: ScenarioOutcome = { id: s.id, title: s.title, ok: true, seconds: 0, rows: [] };
  current = outcome;
  console.error(`[bench] ${s.id}: ${s.title} ...`);
  try {
    outcome.rows = await s.run({
      repeats,
      quick: values.quick ?? false,
      tmpDir,
      log: (m) => console.error(`[bench] ${s.id}: ${m}`),
    });
  } catch (err) {
    // A scenario that found a broken promise (e.g. a no-op that writes) throws with its rows.
    const rows = (err as { rows?: BenchRow[] })?.rows;
    if (Array.isArray(rows)) outcome.rows = rows;
    outcome.ok = false;
    outcome.error = (err as Error)?.stack ?? String(err);
    console.error(`[bench] ${s.id} FAILED: ${outcome.error}`);
  } finally {
    outcome.seconds = Math.round((performance.now() - t0) / 100) / 10;
    current = undefined;
    rmSync(tmpDir, { recursive: true, force: true });
  }
  console.error(`[bench] ${s.id}: ${outcome.ok ? 'done' : 'failed'} in ${outcome.seconds} s`);
  outcomes.push(outcome);
}

const machine = describeMachine(root);
const results = {
  machine,
  options: { quick: values.quick ?? false, repeats, only: wanted ?? null },
  totalSeconds: Math.round((Date.now() - started) / 1000),
  scenarios: outcomes.map(({ rows: _rows, ...o }) => o),
  // In figure order, whatever order the scenario files ran in.
  rows: outcomes
    .flatMap((o) => o.rows)
    .map((row, i) => ({ row, i, n: Number.parseInt(row.figure, 10) }))
    .sort((a, b) => (a.n || 99) - (b.n || 99) || a.i - b.i)
    .map((x) => x.row),
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'RESULTS.md'), renderMarkdown(results));
console.log(renderTable(results.rows));
const failed = outcomes.filter((o) => !o.ok);
console.log(
  `\n${outcomes.length - failed.length}/${outcomes.length} scenarios ran in ${results.totalSeconds} s; ` +
    `wrote ${relative(process.cwd(), join(outDir, 'results.json')) || 'results.json'} and RESULTS.md`,
);
for (const f of failed) console.log(`FAILED ${f.id}: ${f.error?.split('\n')[0]}`);
// Scenarios stop what they start; exit anyway so a stray handle cannot hold the run open.
process.exit(failed.length ? 1 : 0);
