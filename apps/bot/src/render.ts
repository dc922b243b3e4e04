// The one status comment each command gets, rendered from what is known so far. Everything
// passes through the secret mask last, so no value marked secret can reach GitHub.
import type { DeployResult, Step, StepStatus } from '@dove/deploy-core';

export type Phase = 'working' | 'queued' | 'succeeded' | 'failed' | 'refused' | 'interrupted' | 'answer';

export interface RunView {
  run: string;
  /** the command line as typed, e.g. `/deploy dev --dry-run` */
  command: string;
  requester: string;
  sha?: string;
  environment?: string;
  kind?: string;
  phase: Phase;
  headline: string;
  steps: { step: Step; status: StepStatus; ms?: number; message?: string }[];
  progress?: string;
  plan?: DeployResult['plan'];
  scoringUri?: string;
  smoke?: DeployResult['smoke'];
  outcome?: DeployResult['outcome'];
  totalMs?: number;
  error?: { code: string; message: string; hint?: string };
  /** free markdown paragraphs (refusal reasons, answers, lock holders) */
  notes: string[];
  deployment?: { id: number; mode: 'bot' | 'workflow' };
  updatedAt?: string;
}

const ICON: Record<Phase, string> = {
  working: '⏳',
  queued: '📨',
  succeeded: '🚀',
  failed: '👎',
  refused: '🚫',
  interrupted: '⚠️',
  answer: '💬',
};
const STEP_ICON: Record<StepStatus, string> = { started: '⏳', succeeded: '✅', failed: '❌', skipped: '⏭️' };
const MAX_COMMENT = 60_000;

const ms = (n: number | undefined) =>
  n === undefined ? '' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
/** Keeps text inside a table cell or code span. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').slice(0, 300);
const fence = (s: string) => s.replace(/```/g, "'''");
/** User text as an inline code span: it cannot close the span, mention anyone or link. */
export const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\r?\n/g, ' ').slice(0, 200)}\``;

export const MARKER = (run: string) => `<!-- dove-bot run=${run} -->`;

export function renderComment(v: RunView, mask: (s: string) => string): string {
  const out: string[] = [];
  out.push(`### ${ICON[v.phase]} ${v.headline}`);
  const meta = [
    `${code(v.command)} by @${v.requester}`,
    v.sha ? `at \`${v.sha.slice(0, 7)}\`` : '',
    v.deployment
      ? `deployment #${v.deployment.id}${v.deployment.mode === 'workflow' ? ' (run by the workflow)' : ''}`
      : '',
  ].filter(Boolean);
  out.push(meta.join(' · '));
  for (const n of v.notes) out.push('', n);
  if (v.steps.length > 0) {
    out.push('', '| step | | time | |', '| --- | --- | --- | --- |');
    for (const s of v.steps)
      out.push(`| ${s.step} | ${STEP_ICON[s.status]} | ${ms(s.ms)} | ${s.message ? cell(s.message) : ''} |`);
    if (v.progress && v.phase === 'working') out.push('', `> ${cell(v.progress)}`);
  }
  if (v.plan) {
    out.push('', `**Plan:** ${v.plan.action} — ${cell(v.plan.summary)}`);
    const changes = v.plan.changes.slice(0, 25);
    if (changes.length > 0) {
      out.push('', '<details><summary>changes</summary>', '', '```diff');
      for (const c of changes) {
        const sign = c.kind === 'add' ? '+' : c.kind === 'remove' ? '-' : '~';
        const after = c.after === undefined ? '' : ` = ${JSON.stringify(c.after)}`;
        out.push(
          fence(`${sign} ${c.path}${after}${c.replace ? ' (replaces the resource)' : ''}`).slice(0, 300),
        );
      }
      if (v.plan.changes.length > changes.length)
        out.push(`… ${v.plan.changes.length - changes.length} more`);
      out.push('```', '', '</details>');
    }
    for (const w of v.plan.warnings) out.push('', `> ⚠️ ${cell(w)}`);
  }
  if (v.scoringUri) out.push('', `**Scoring URI:** ${v.scoringUri}`);
  if (v.smoke)
    out.push(
      '',
      `**Smoke test:** ${v.smoke.ok ? 'passed' : 'failed'}${v.smoke.status ? `, HTTP ${v.smoke.status}` : ''}${
        v.smoke.latencyMs !== undefined ? ` in ${ms(Math.round(v.smoke.latencyMs))}` : ''
      }`,
    );
  if (v.totalMs !== undefined) out.push('', `**Time:** ${ms(v.totalMs)}`);
  if (v.error) {
    out.push('', `**Error** \`${v.error.code}\``, '', '```', fence(v.error.message).slice(0, 4000), '```');
    if (v.error.hint) out.push('', `**Next step:** ${v.error.hint}`);
  }
  out.push('', `<sub>Dove bot · updated ${v.updatedAt ?? new Date().toISOString()}</sub>`, MARKER(v.run));
  let body = mask(out.join('\n'));
  if (body.length > MAX_COMMENT) body = `${body.slice(0, MAX_COMMENT)}\n\n… (cut)\n${MARKER(v.run)}`;
  return body;
}
