// `dove demo` (`npm run demo`): starts a sandbox with realistic delays, deploys the example
// model to every target whose plugin exists, scores each endpoint with the sample request,
// prints a table and stops the sandbox, leaving no process behind.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployResult, DoveSpec } from '@dove/deploy-core';
import { Listr } from 'listr2';
import { parse, stringify } from 'yaml';
import { type GlobalOptions, openSession, type Session } from '../context.ts';
import { loadCore, loadTargets } from '../core.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { type Output, seconds } from '../render/output.ts';
import { table } from '../render/table.ts';
import { isAlive, startDetached, stopSandbox } from '../sandbox/control.ts';
import { profileFile } from '../sandbox/paths.ts';
import { modelDeliveryFor } from './model-delivery.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEMO_SPEC = join(repoRoot, 'examples', 'iris', 'dove.yaml');

interface Row {
  environment: string;
  kind: string;
  uri: string;
  version: string;
  timeMs?: number;
  result: string;
  ok: boolean;
}

/** The example spec without the environments whose target plugin is not available yet. */
async function loadDemoSpec(session: Session, file: string, unavailable: Set<string>): Promise<DoveSpec> {
  if (unavailable.size === 0)
    return session.core.loadSpec({ file, variables: session.variables, registry: session.registry });
  const doc = parse(readFileSync(file, 'utf8')) as { targets: Record<string, { kind: string }> };
  for (const [env, t] of Object.entries(doc.targets)) if (unavailable.has(t.kind)) delete doc.targets[env];
  const spec = await session.core.loadSpec({
    text: stringify(doc),
    variables: session.variables,
    registry: session.registry,
  });
  return { ...spec, file };
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Scores an endpoint with the spec's sample request, through the cloud's own name resolution and CA. */
async function score(
  fetcher: Fetch,
  spec: DoveSpec,
  r: DeployResult,
): Promise<{ ok: boolean; text: string }> {
  const uri = r.endpoint?.scoringUri;
  if (!uri || !/^https?:/.test(uri)) {
    // Not HTTP (gRPC on FPGA) or no public endpoint (edge devices): the verify step's own call.
    const d = r.details as { applied?: number; succeeded?: number } | undefined;
    if (!r.smoke && typeof d?.succeeded === 'number')
      return { ok: true, text: `${d.succeeded}/${d.applied ?? d.succeeded} devices run it (model checked)` };
    if (!r.smoke) return { ok: true, text: 'deployed; no endpoint to score' };
    return { ok: Boolean(r.smoke?.ok), text: r.smoke?.body?.slice(0, 60) ?? r.smoke?.message ?? '-' };
  }
  const key = r.endpoint?.auth?.primaryKey;
  const res = await fetcher(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(spec.scoring.sample?.body ?? {}),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  try {
    const json = JSON.parse(text) as { result?: unknown };
    if (res.ok && Array.isArray(json.result)) return { ok: true, text: json.result.join(', ') };
  } catch {}
  return { ok: false, text: `HTTP ${res.status} ${text.slice(0, 60)}` };
}

export async function demoCommand(opts: GlobalOptions, out: Output): Promise<ExitCode> {
  const c = out.color;
  const started = Date.now();
  // Fail before starting anything when the core is not there.
  await loadCore();
  const dir = mkdtempSync(join(tmpdir(), 'dove-demo-'));
  out.line(c.bold('Dove demo: the iris classifier, shipped to four Azure targets (on the local sandbox)'));
  out.line(c.dim(`spec ${relative(process.cwd(), DEMO_SPEC) || DEMO_SPEC}`));
  out.line();
  let sandboxPid: number | undefined;
  try {
    const t0 = Date.now();
    out.line(c.dim('starting the sandbox (ARM, Kubernetes, IoT Hub, Blob Storage) ...'));
    const { profile } = await startDetached(dir, { preset: 'demo' });
    sandboxPid = profile.sandbox?.pid;
    out.line(`${c.green('✔')} sandbox up ${c.dim(`(${seconds(Date.now() - t0)}, ${profile.armEndpoint})`)}`);

    const session = await openSession({ ...opts, spec: DEMO_SPEC, cloud: profileFile(dir) }, out);
    const targets = await loadTargets();
    const unavailable = new Set(targets.unavailable.map((u) => u.kind));
    const spec = await loadDemoSpec(session, DEMO_SPEC, unavailable);
    const rawTargets = (
      parse(readFileSync(DEMO_SPEC, 'utf8')) as { targets: Record<string, { kind: string }> }
    ).targets;
    const rows: Row[] = [];
    const results = new Map<string, DeployResult>();
    const doveFetch = (await import('@dove/deploy-core')) as unknown as {
      doveFetch?: (cloud: unknown) => Fetch;
    };
    const fetcher: Fetch = doveFetch.doveFetch ? doveFetch.doveFetch(session.cloud) : fetch;

    const tasks = new Listr(
      Object.keys(spec.targets).map((environment) => {
        const kind = spec.targets[environment]?.kind ?? '?';
        return {
          title: `${environment} ${c.dim(`(${kind})`)}`,
          task: async (_ctx: unknown, task: { output: string; title: string }) => {
            const begin = Date.now();
            const result = await session.core.deploy({
              spec,
              environment,
              registry: session.registry,
              cloud: session.cloud,
              credential: session.credential,
              signal: session.signal,
              variables: session.variables,
              owner: 'dove-demo',
              ...modelDeliveryFor(session, spec),
              onEvent: (e) => {
                // Without a terminal the lines of the three environments interleave: name each.
                const tag = out.tty ? '' : `${environment}: `;
                const pct =
                  e.type === 'progress' && e.percent !== undefined ? ` ${Math.round(e.percent)}%` : '';
                if (e.type === 'step' && e.status === 'started') task.output = `${tag}${e.step} ...`;
                else if (e.type === 'progress') task.output = `${tag}${e.step}: ${e.message}${pct}`;
              },
            });
            results.set(environment, result);
            const time = seconds(Date.now() - begin);
            if (result.outcome !== 'succeeded' && result.outcome !== 'noop')
              throw new Error(
                `${environment}: ${result.outcome}: ${result.error?.message ?? 'failed'} (${time})`,
              );
            task.title = `${environment} ${c.dim(`(${kind})`)} ${c.green(result.outcome)} ${c.dim(time)} ${result.endpoint?.scoringUri ?? ''}`;
          },
        };
      }),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    out.line(c.dim(`deploying ${Object.keys(spec.targets).length} environments side by side ...`));
    await tasks.run().catch(() => {});

    for (const [environment, t] of Object.entries(rawTargets)) {
      if (unavailable.has(t.kind)) {
        rows.push({
          environment,
          kind: t.kind,
          uri: '-',
          version: '-',
          result: 'not available yet',
          ok: false,
        });
        continue;
      }
      const r = results.get(environment);
      if (!r || (r.outcome !== 'succeeded' && r.outcome !== 'noop')) {
        rows.push({
          environment,
          kind: t.kind,
          uri: r?.endpoint?.scoringUri ?? '-',
          version: r?.version ?? '-',
          ...(r?.timings.total !== undefined ? { timeMs: r.timings.total } : {}),
          result: `deploy ${r?.outcome ?? 'not run'}: ${r?.error?.code ?? ''}`,
          ok: false,
        });
        continue;
      }
      const scored = await score(fetcher, spec, r).catch((err: Error) => ({ ok: false, text: err.message }));
      rows.push({
        environment,
        kind: t.kind,
        uri: r.endpoint?.scoringUri ?? '-',
        version: r.version,
        ...(r.timings.total !== undefined ? { timeMs: r.timings.total } : {}),
        result: scored.text,
        ok: scored.ok,
      });
    }
    out.line();
    if (out.json) out.document({ rows, totalMs: Date.now() - started });
    else
      out.line(
        table(
          ['target', 'kind', 'scoring URI', 'version', 'time', 'result'],
          rows.map((r) => [
            r.environment,
            r.kind,
            r.uri,
            r.version,
            seconds(r.timeMs),
            r.ok
              ? c.green(r.result)
              : r.result === 'not available yet'
                ? c.yellow(r.result)
                : c.red(r.result),
          ]),
        ),
      );
    const deployed = rows.filter((r) => r.ok).length;
    const scored = rows.filter((r) => r.ok && r.uri !== '-').length;
    const notYet = rows.filter((r) => r.result === 'not available yet').length;
    const expected = rows.length - notYet;
    out.line();
    out.line(
      `${deployed}/${rows.length} targets deployed, ${scored} scored${notYet ? `, ${notYet} not available yet` : ''} ${c.dim(`in ${seconds(Date.now() - started)}`)}`,
    );
    return session.signal.aborted
      ? EXIT.canceled
      : deployed === expected && deployed > 0
        ? EXIT.ok
        : EXIT.failed;
  } finally {
    await stopSandbox(dir);
    const left = sandboxPid !== undefined && isAlive(sandboxPid);
    out.line(
      c.dim(
        left ? `sandbox (pid ${sandboxPid}) is still running` : 'sandbox stopped; no process left behind',
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}
