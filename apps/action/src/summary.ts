// The job summary: what was deployed where, the plan, timings and the smoke test.
import * as core from '@actions/core';
import type { ActionResult } from './result.ts';

type SummaryTableRow = (string | { data: string; header?: boolean })[];

const cell = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));
const seconds = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export async function writeSummary(r: ActionResult): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const s = core.summary;
  const icon =
    r.decision === 'failed' || r.decision === 'rolled-back' ? '❌' : r.decision === 'skipped' ? '⏭️' : '✅';
  s.addHeading(`${icon} Dove ${r.command}: ${cell(r.environment)}${r.kind ? ` (${r.kind})` : ''}`, 2);
  const rows: SummaryTableRow[] = [
    [
      { data: 'environment', header: true },
      { data: 'kind', header: true },
      { data: 'model', header: true },
      { data: 'version', header: true },
      { data: 'outcome', header: true },
      { data: 'scoring URI', header: true },
    ],
    [cell(r.environment), cell(r.kind), cell(r.model), cell(r.version), cell(r.decision), cell(r.scoringUri)],
  ];
  s.addTable(rows);
  s.addRaw(
    `Trigger: \`${r.trigger}\` at \`${r.sha ? r.sha.slice(0, 12) : '-'}\`${r.deploymentId ? `, GitHub deployment ${r.deploymentId}` : ''}.`,
    true,
  );
  if (r.skipped) s.addRaw(`\n\nNothing to do: ${r.skipped}.`, true);
  if (r.error) {
    s.addHeading('Error', 3);
    s.addCodeBlock(`${r.error.code}: ${r.error.message}${r.error.hint ? `\n${r.error.hint}` : ''}`, 'text');
    if (r.servingNow) s.addRaw(`What serves now: ${r.servingNow}`, true);
  }
  if (r.status) {
    s.addHeading('What serves now', 3);
    s.addRaw(
      `**${r.status.state}**${r.status.version ? ` version ${r.status.version}` : ''}${r.status.message ? `: ${r.status.message}` : ''}`,
      true,
    );
  }
  if (r.plan) {
    s.addHeading('Plan', 3);
    s.addRaw(`**${r.plan.action}**: ${r.plan.summary}`, true);
    if (r.plan.changes.length > 0) {
      s.addTable([
        [
          { data: 'change', header: true },
          { data: 'path', header: true },
          { data: 'before', header: true },
          { data: 'after', header: true },
        ],
        ...r.plan.changes.map((c) => [
          `${c.kind}${c.replace ? ' (replace)' : ''}`,
          `<code>${c.path}</code>`,
          cell(JSON.stringify(c.before)),
          cell(JSON.stringify(c.after)),
        ]),
      ]);
    }
    if (r.plan.warnings.length > 0) s.addList(r.plan.warnings.map((w) => `⚠️ ${w}`));
  }
  if (r.smoke) {
    s.addHeading('Smoke test', 3);
    s.addRaw(
      `${r.smoke.ok ? '✅ passed' : '❌ failed'}: HTTP ${cell(r.smoke.status)} in ${cell(r.smoke.latencyMs)} ms${r.smoke.message ? ` (${r.smoke.message})` : ''}`,
      true,
    );
    if (r.smoke.body) s.addCodeBlock(r.smoke.body, 'json');
  }
  if (r.timings && Object.keys(r.timings).length > 0) {
    s.addHeading('Timings', 3);
    s.addTable([
      Object.keys(r.timings).map((k) => ({ data: k, header: true })),
      Object.values(r.timings).map((v) => seconds(v)),
    ]);
  }
  if (r.requests) s.addRaw(`Azure requests: ${r.requests.reads} reads, ${r.requests.writes} writes.`, true);
  await s.write();
}
