import { EXIT, type ExitCode } from '../exit-codes.ts';
import type { Output } from '../render/output.ts';
import { table } from '../render/table.ts';
import { runningSandbox, startDetached, stopSandbox } from '../sandbox/control.ts';
import { logFile, profileFile, sandboxDir } from '../sandbox/paths.ts';

export async function sandboxCommand(
  action: string,
  flags: { preset?: string },
  out: Output,
): Promise<ExitCode> {
  const dir = sandboxDir();
  const c = out.color;
  if (action === 'start') {
    const preset = flags.preset === 'demo' ? 'demo' : 'test';
    if (!out.json) out.line(c.dim(`starting the sandbox (${preset} delays) in ${dir} ...`));
    const { profile, started } = await startDetached(dir, { preset });
    if (out.json)
      out.document({
        running: true,
        started,
        profilePath: profileFile(dir),
        pid: profile.sandbox?.pid,
        armEndpoint: profile.armEndpoint,
      });
    else {
      out.line(
        `${c.green('✔')} sandbox ${started ? 'started' : 'already running'} (pid ${profile.sandbox?.pid})`,
      );
      out.line(`  profile: ${profileFile(dir)}  ${c.dim('(dove uses it by default while it runs)')}`);
      out.line(`  ARM:     ${profile.armEndpoint}`);
      out.line(`  log:     ${logFile(dir)}`);
    }
    return EXIT.ok;
  }
  if (action === 'stop') {
    const stopped = await stopSandbox(dir);
    if (out.json) out.document({ running: false, stopped });
    else out.line(stopped ? `${c.green('✔')} sandbox stopped` : 'no sandbox was running');
    return EXIT.ok;
  }
  // status
  const profile = runningSandbox(dir);
  if (out.json) {
    out.document(
      profile?.sandbox
        ? {
            running: true,
            pid: profile.sandbox.pid,
            profilePath: profileFile(dir),
            armEndpoint: profile.armEndpoint,
            subscriptionId: profile.sandbox.subscriptionId,
            resourceGroups: profile.sandbox.resourceGroups,
            clusters: Object.keys(profile.sandbox.kubeconfigs),
            iotHubs: Object.keys(profile.sandbox.iotHubs),
            storage: profile.sandbox.storage?.blobEndpoint ?? null,
          }
        : { running: false },
    );
    return EXIT.ok;
  }
  if (!profile?.sandbox) {
    out.line(`no sandbox is running ${c.dim('(start one with `dove sandbox start`)')}`);
    return EXIT.ok;
  }
  const s = profile.sandbox;
  out.line(`${c.green('●')} sandbox running (pid ${s.pid})`);
  out.line(
    table(
      ['part', 'value'],
      [
        ['profile', profileFile(dir)],
        ['ARM', profile.armEndpoint],
        ['subscription', s.subscriptionId],
        ['resource groups', s.resourceGroups.join(', ')],
        ['AKS clusters', Object.keys(s.kubeconfigs).join(', ') || '-'],
        ['IoT hubs', Object.keys(s.iotHubs).join(', ') || '-'],
        ['storage', s.storage?.blobEndpoint ?? '-'],
      ],
    ),
  );
  return EXIT.ok;
}
