import { type GlobalOptions, loadSpecFor, openSession } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import type { Output } from '../render/output.ts';
import { table } from '../render/table.ts';

export async function validateCommand(opts: GlobalOptions, out: Output): Promise<ExitCode> {
  const session = await openSession(opts, out);
  const spec = await loadSpecFor(session);
  const targets = Object.entries(spec.targets).map(([environment, t]) => ({
    environment,
    kind: t.kind,
    available: Boolean(session.registry.get(t.kind)),
  }));
  if (out.json) {
    out.document({ ok: true, file: session.specFile, model: spec.model, image: spec.scoring.image, targets });
    return EXIT.ok;
  }
  const c = out.color;
  out.line(
    `${c.green('✔')} ${opts.spec} is valid: model ${spec.model.name} ${spec.model.version}, image ${spec.scoring.image}`,
  );
  out.line(
    table(
      ['target', 'kind', 'plugin'],
      targets.map((t) => [
        t.environment,
        t.kind,
        t.available ? c.green('available') : c.yellow('not available yet'),
      ]),
    ),
  );
  return EXIT.ok;
}
