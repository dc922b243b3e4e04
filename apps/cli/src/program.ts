// The `dove` command tree. Each action returns an exit code; errors are mapped to exit codes
// (docs/cli.md) by `main`.
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { demoCommand } from './commands/demo.ts';
import { deployCommand } from './commands/deploy.ts';
import { initCommand, KINDS } from './commands/init.ts';
import { modelsListCommand, modelsPruneCommand } from './commands/models.ts';
import {
  destroyCommand,
  logsCommand,
  planCommand,
  statusCommand,
  trafficCommand,
} from './commands/operations.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { validateCommand } from './commands/validate.ts';
import type { GlobalOptions } from './context.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { reportError } from './render/errors.ts';
import { createOutput, type Output } from './render/output.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const collect = (value: string, previous: string[]) => [...previous, value];

/** The options every command accepts (after the command name too). */
function withGlobals(cmd: Command): Command {
  return cmd
    .option('--spec <file>', 'the deployment spec', 'dove.yaml')
    .option(
      '--cloud <name|profile.json|sandbox>',
      'cloud profile (default: the running sandbox, else AzureCloud)',
    )
    .option('--json', 'print one JSON document on stdout and nothing else', false)
    .option('--var <KEY=VALUE>', 'set a spec variable (repeatable)', collect, [] as string[]);
}

export function buildProgram(
  run: (fn: (opts: GlobalOptions, out: Output) => Promise<ExitCode>, opts: GlobalOptions) => Promise<void>,
): Command {
  const program = new Command('dove')
    .description('Ship trained ML models as scoring web services to Azure: ACI, AKS, IoT Edge and FPGA.')
    .version(pkg.version, '-V, --version', 'print the version of dove')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const add = (name: string, description: string) =>
    withGlobals(program.command(name).description(description).exitOverride());

  add('init', 'write a starter dove.yaml for one target kind (asks on a terminal, or use flags)')
    .addOption(new Option('--target <kind>', 'target kind').choices([...KINDS]))
    .option('--model <name>', 'model name (lower-case, digits, -)')
    .option('--image <ref>', 'scoring image reference')
    .option('--path <dir>', 'folder holding the model files, relative to the spec', 'model')
    .option('--force', 'overwrite an existing spec file')
    .action((flags, cmd: Command) => run((o, out) => initCommand(flags, o.spec, out), cmd.opts()));

  add('validate', 'check the spec: every problem with file:line, field and what was expected').action(
    (_f, cmd: Command) => run(validateCommand, cmd.opts()),
  );

  add('plan', 'show what a deploy would change (read-only)')
    .argument('<target>', 'environment name, or a kind used by one environment')
    .action((target: string, _f, cmd: Command) => run((o, out) => planCommand(target, o, out), cmd.opts()));

  add('deploy', 'deploy the model to an environment: plan, apply, verify, roll back on failure')
    .argument('<target>', 'environment name, or a kind used by one environment')
    .option('--dry-run', 'stop after the plan')
    .option('--version <version>', 'model version to deploy (fills DOVE_MODEL_VERSION)')
    .action((target: string, flags: { dryRun?: boolean; version?: string }, cmd: Command) =>
      run((o, out) => deployCommand(target, flags, o, out), cmd.opts()),
    );

  add('status', 'what serves now, for one environment or all')
    .argument('[target]', 'environment name (default: all)')
    .action((target: string | undefined, _f, cmd: Command) =>
      run((o, out) => statusCommand(target, o, out), cmd.opts()),
    );

  add('logs', "recent log lines of an environment's scoring containers")
    .argument('<target>')
    .option('--tail <n>', 'number of lines')
    .action((target: string, flags: { tail?: string }, cmd: Command) =>
      run((o, out) => logsCommand(target, flags, o, out), cmd.opts()),
    );

  for (const [op, description] of [
    ['rollback', 'go back to the version that served before the last deploy'],
    ['promote', 'blue-green / canary: give the new version all the traffic'],
    ['reject', 'blue-green / canary: drop the new version, keep the old one serving'],
  ] as const) {
    add(op, description)
      .argument('<target>')
      .action((target: string, _f, cmd: Command) =>
        run((o, out) => trafficCommand(op, target, o, out), cmd.opts()),
      );
  }

  add('destroy', 'remove everything Dove deployed for an environment')
    .argument('<target>')
    .option('--yes', 'do not ask for confirmation')
    .action((target: string, flags: { yes?: boolean }, cmd: Command) =>
      run((o, out) => destroyCommand(target, flags, o, out), cmd.opts()),
    );

  add('sandbox', 'run the local Azure sandbox in the background: start, stop or status')
    .addArgument(
      new Argument('[action]', 'start | stop | status')
        .choices(['start', 'stop', 'status'])
        .default('status'),
    )
    .addOption(
      new Option('--preset <name>', 'delays: test (fast) or demo (realistic)')
        .choices(['test', 'demo'])
        .default('test'),
    )
    .action((action: string, flags: { preset?: string }, cmd: Command) =>
      run((_o, out) => sandboxCommand(action, flags, out), cmd.opts()),
    );

  const models = program
    .command('models')
    .description('the model store: list or prune stored versions')
    .exitOverride();
  withGlobals(models.command('list').description('list stored model versions').exitOverride())
    .option('--name <model>', 'only this model')
    .action((flags: { name?: string }, cmd: Command) =>
      run((o, out) => modelsListCommand(flags, o, out), cmd.opts()),
    );
  withGlobals(
    models.command('prune').description('delete old versions, never one a target serves').exitOverride(),
  )
    .requiredOption('--keep <n>', 'newest versions to keep per model')
    .option('--name <model>', 'only this model')
    .option('--dry-run', 'show what would be deleted')
    .action((flags: { keep: string; name?: string; dryRun?: boolean }, cmd: Command) =>
      run((o, out) => modelsPruneCommand(flags, o, out), cmd.opts()),
    );

  add('demo', 'start a sandbox, deploy the example model to every target, score it, stop').action(
    (_f, cmd: Command) => run(demoCommand, cmd.opts()),
  );
  return program;
}

/** Runs `dove` with these arguments; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(async (fn, opts) => {
    const out = createOutput({ json: Boolean(opts.json) });
    try {
      code = await fn(
        {
          spec: opts.spec ?? 'dove.yaml',
          json: Boolean(opts.json),
          var: opts.var ?? [],
          ...(opts.cloud ? { cloud: opts.cloud } : {}),
        },
        out,
      );
    } catch (err) {
      code = reportError(out, err);
    }
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors are bad input.
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    throw err;
  }
  return code;
}
