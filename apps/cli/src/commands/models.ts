// `dove models list|prune`: the versions in the model store of the current cloud.
import { listModels, locationFromCloud, pruneModels } from '@dove/model-store';
import { type GlobalOptions, loadSpecFor, openSession } from '../context.ts';
import { CliError, EXIT, type ExitCode } from '../exit-codes.ts';
import type { Output } from '../render/output.ts';
import { table } from '../render/table.ts';

const CONTAINER = 'dove-models';

async function storeFor(opts: GlobalOptions, out: Output) {
  const session = await openSession(opts, out);
  const account = session.variables.DOVE_STORAGE_ACCOUNT;
  if (!session.cloud.sandbox?.storage && !account)
    throw new CliError('no model store: this cloud has no storage account configured', {
      exitCode: EXIT.badInput,
      code: 'DOVE_MODEL_STORE_CONFIG',
      hint: 'set DOVE_STORAGE_ACCOUNT=<account name> (or --var DOVE_STORAGE_ACCOUNT=...)',
    });
  const store = locationFromCloud(session.cloud, {
    container: CONTAINER,
    credential: session.credential,
    ...(account ? { accountName: account } : {}),
  });
  return { session, store };
}

export async function modelsListCommand(
  flags: { name?: string },
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const { session, store } = await storeFor(opts, out);
  const versions = await listModels({
    store,
    ...(flags.name ? { name: flags.name } : {}),
    signal: session.signal,
  });
  if (out.json) out.document(versions);
  else if (versions.length === 0) out.line('no model versions stored');
  else
    out.line(
      table(
        ['model', 'version', 'files', 'bytes', 'created', 'release'],
        versions.map((v) => [
          v.name,
          v.version,
          String(v.files),
          String(v.bytes),
          v.createdAt,
          v.releaseTag ?? '-',
        ]),
      ),
    );
  return EXIT.ok;
}

export async function modelsPruneCommand(
  flags: { keep: string; name?: string; dryRun?: boolean },
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const keep = Number(flags.keep);
  if (!Number.isInteger(keep) || keep < 0)
    throw new CliError(`--keep expects a whole number >= 0, got "${flags.keep}"`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_BAD_FLAG',
    });
  const { session, store } = await storeFor(opts, out);
  // Never prune what a target still serves: ask every environment of the spec.
  const inUse: string[] = [];
  const spec = await loadSpecFor(session);
  for (const environment of Object.keys(spec.targets)) {
    if (!session.registry.get(spec.targets[environment]?.kind ?? '')) continue;
    const status = (await session.core.runOperation({
      op: 'status',
      spec,
      environment,
      registry: session.registry,
      cloud: session.cloud,
      credential: session.credential,
      signal: session.signal,
    })) as { version?: string };
    if (status.version) inUse.push(`${spec.model.name}/${status.version}`);
  }
  const result = await pruneModels({
    store,
    keep,
    inUse,
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    signal: session.signal,
  });
  if (out.json) out.document(result);
  else {
    for (const v of result.deleted)
      out.line(`${flags.dryRun ? 'would delete' : 'deleted'} ${v.name} ${v.version}`);
    for (const v of result.kept) out.line(out.color.dim(`kept ${v.name} ${v.version} (${v.reason})`));
  }
  return EXIT.ok;
}
