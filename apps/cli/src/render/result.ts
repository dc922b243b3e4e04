// The final summary of a deploy, and the status table.
import type { DeployResult, TargetStatus } from '@dove/deploy-core';
import { type Output, seconds } from './output.ts';
import { table } from './table.ts';

export function printDeployResult(out: Output, r: DeployResult): void {
  const c = out.color;
  const outcome =
    r.outcome === 'succeeded' || r.outcome === 'noop' || r.outcome === 'dry-run'
      ? c.green(r.outcome)
      : c.red(r.outcome);
  out.line();
  out.line(`${c.bold(r.environment)} ${c.dim(`(${r.kind})`)} ${outcome}: ${r.plan.summary}`);
  for (const w of r.plan.warnings) out.line(`  ${c.yellow('!')} ${w}`);
  if (r.plan.changes.length > 0) {
    out.line(c.dim('  changes:'));
    for (const ch of r.plan.changes) {
      const sign = ch.kind === 'add' ? c.green('+') : ch.kind === 'remove' ? c.red('-') : c.yellow('~');
      const detail =
        ch.before !== undefined || ch.after !== undefined
          ? c.dim(` ${JSON.stringify(ch.before) ?? ''} -> ${JSON.stringify(ch.after) ?? ''}`)
          : '';
      out.line(`    ${sign} ${ch.path}${ch.replace ? c.red(' (replace)') : ''}${detail}`);
    }
  }
  const rows: string[][] = [
    ['version', r.version],
    ['scoring URI', r.endpoint?.scoringUri ?? '-'],
  ];
  if (r.endpoint?.swaggerUri) rows.push(['swagger', r.endpoint.swaggerUri]);
  if (r.endpoint?.auth && r.endpoint.auth.type !== 'none')
    rows.push(['auth', `${r.endpoint.auth.type} (keys masked)`]);
  if (r.smoke)
    rows.push([
      'smoke test',
      `${r.smoke.ok ? c.green('ok') : c.red('failed')} ${r.smoke.status ?? ''} ${r.smoke.latencyMs !== undefined ? `${Math.round(r.smoke.latencyMs)} ms` : ''} ${r.smoke.body ? c.dim(r.smoke.body.slice(0, 80)) : ''}`.trim(),
    ]);
  const t = r.timings;
  rows.push([
    'time',
    `${seconds(t.total)} (plan ${seconds(t.plan)}, apply ${seconds(t.apply)}, verify ${seconds(t.verify)}${t.rollback !== undefined ? `, rollback ${seconds(t.rollback)}` : ''})`,
  ]);
  rows.push(['API requests', `${r.requests.reads} reads, ${r.requests.writes} writes`]);
  out.line(
    table(['', ''], rows)
      .split('\n')
      .slice(2)
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  if (r.error) {
    out.line();
    out.line(`${c.red('error')} ${c.dim(r.error.code)}: ${r.error.message}`);
    if (r.error.hint) out.line(`${c.yellow('hint')}: ${r.error.hint}`);
  }
  if (r.servingNow) {
    out.line(`${c.bold('serving now')}: ${statusLine(r.servingNow)}`);
  }
}

export function statusLine(s: TargetStatus): string {
  return [s.state, s.version ? `version ${s.version}` : '', s.endpoint?.scoringUri ?? '', s.message ?? '']
    .filter(Boolean)
    .join(', ');
}

export function printStatusTable(
  out: Output,
  statuses: (TargetStatus | { environment: string; kind: string; error: string })[],
): void {
  const c = out.color;
  out.line(
    table(
      ['target', 'kind', 'state', 'version', 'scoring URI'],
      statuses.map((s) =>
        'error' in s
          ? [s.environment, s.kind, c.red('error'), '-', s.error]
          : [
              s.environment,
              String(s.kind),
              s.state === 'serving'
                ? c.green(s.state)
                : s.state === 'absent'
                  ? c.dim(s.state)
                  : c.yellow(s.state),
              s.version ?? '-',
              s.endpoint?.scoringUri ?? '-',
            ],
      ),
    ),
  );
}
