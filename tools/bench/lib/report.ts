// The table printed at the end of a run and the RESULTS.md written beside results.json.
import type { BenchRow } from '../scenario.ts';
import type { Machine } from './machine.ts';

interface Results {
  machine: Machine;
  options: { quick: boolean; repeats: number; only: string[] | null };
  totalSeconds: number;
  scenarios: { id: string; title: string; ok: boolean; seconds: number; error?: string }[];
  rows: BenchRow[];
}

export function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
}

const cells = (r: BenchRow) => [
  r.figure,
  r.name,
  `${fmt(r.value)} ${r.unit}`,
  r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.name})` : '-',
  r.ratio === undefined ? '-' : `${fmt(r.ratio)}x`,
  r.note ?? '',
];
const HEAD = ['figure', 'measure', 'median', 'baseline (same run)', 'ratio', 'note'];

export function renderTable(rows: BenchRow[]): string {
  const data = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.min(60, Math.max(...data.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(HEAD), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cells(r)))].join('\n');
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(
    `Written by \`npm run bench\`${r.options.quick ? ' --quick' : ''}${r.options.only ? ` --only ${r.options.only.join(',')}` : ''} ` +
      `on ${m.date.slice(0, 10)} (${r.totalSeconds} s, median of ${r.options.repeats} run(s) per measure). ` +
      'What each figure means and how to run it: [docs/benchmarks.md](../docs/benchmarks.md).',
    '',
  );
  out.push('## Figures', '');
  out.push(`| ${HEAD.join(' | ')} |`, `| ${HEAD.map(() => '---').join(' | ')} |`);
  for (const row of r.rows) out.push(`| ${cells(row).map(esc).join(' | ')} |`);
  out.push('');
  const failed = r.scenarios.filter((s) => !s.ok);
  out.push('## Scenarios', '');
  for (const s of r.scenarios)
    out.push(
      `- \`${s.id}\` ${s.title}: ${s.ok ? 'ok' : `**FAILED**: ${esc(s.error?.split('\n')[0] ?? '')}`} (${s.seconds} s)`,
    );
  if (failed.length) out.push('', `**${failed.length} scenario(s) failed**; their rows are missing above.`);
  out.push('', '## Machine', '');
  out.push(
    `- CPU: ${m.cpuModel} × ${m.cpuCount}`,
    `- RAM: ${m.ramGB} GB (${m.freeRamGB} GB free at the end), load average ${m.loadAverage1m}`,
    `- OS: ${m.os}`,
    `- Node: ${m.node}`,
    `- Commit: ${m.gitSha}${m.gitDirty ? ' (with uncommitted changes)' : ''}`,
    `- Date: ${m.date}`,
  );
  out.push('', '## Reading the ratios', '');
  out.push(
    '- Every ratio divides by a baseline measured **in the same run, on the same machine**, so the',
    '  noise of a busy machine mostly cancels; absolute times are only indicative.',
    '- Figure 1: wall time / D, where D is the provisioning delay the sandbox was fixed at. 1.0 is',
    "  the ideal (Dove adds nothing to Azure's own time); 1.3 means Dove and its polling add 30 % of D.",
    '- Figure 2: a no-op redeploy must write nothing: its writes are 0, and the ratio is its time',
    '  against a first deploy (small is good).',
    '- Figure 3: parallel wall time / sequential wall time; the ideal is the longest single target',
    '  divided by the sum of all (shown in the note).',
    '- Figure 4: requests and time per fleet size against the smallest fleet: a requests ratio of',
    '  1.0 means the requests do not grow with the fleet.',
    '- Figure 7: the success rate under each fault, and time against the same deploy without faults.',
    '- Figures 5 and 6 (Action cold start, bot) compare against a floor built the same way.',
  );
  return `${out.join('\n')}\n`;
}
