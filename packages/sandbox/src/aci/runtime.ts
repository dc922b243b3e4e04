import { ImagePullError } from '../errors.ts';
import type { ContainerProcess, SandboxNetworkContext } from '../types.ts';

type Obj = Record<string, unknown>;

export interface AciEvent {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: 'Normal' | 'Warning';
}

/** One running container of a group: its process (absent when the image could not be pulled). */
export interface RunningContainer {
  name: string;
  ports: number[];
  proc?: ContainerProcess;
  startTime: string;
  pullError?: string;
  events: AciEvent[];
}

/** The processes, forwards and host name behind one container group. */
export class GroupRuntime {
  containers: RunningContainer[] = [];
  stopped = false;
  #forwards: { close(): Promise<void> }[] = [];
  #fqdn?: string;
  readonly ip: string;
  readonly #ctx: SandboxNetworkContext;

  constructor(ctx: SandboxNetworkContext) {
    this.#ctx = ctx;
    this.ip = ctx.network.allocateIp();
  }

  /** Starts every container; throws Azure's InaccessibleImage when an image cannot be pulled. */
  async start(groupName: string, properties: Obj, fqdn: string | undefined): Promise<void> {
    await this.stop();
    this.stopped = false;
    const now = () => new Date().toISOString();
    const ev = (name: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): AciEvent => ({
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
      name,
      message,
      type,
    });
    let pullFailure: string | undefined;
    for (const c of properties.containers as Obj[]) {
      const cp = c.properties as Obj;
      const image = cp.image as string;
      const env: Record<string, string> = {};
      for (const e of (cp.environmentVariables as Obj[] | undefined) ?? [])
        env[e.name as string] = String(e.value ?? e.secureValue ?? '');
      const ports = ((cp.ports as Obj[] | undefined) ?? []).map((p) => p.port as number);
      const rc: RunningContainer = {
        name: c.name as string,
        ports,
        startTime: now(),
        events: [ev('Pulling', `pulling image "${image}"`)],
      };
      try {
        rc.proc = this.#ctx.images.start(image, {
          env,
          containerPort: ports[0] ?? 80,
          name: `${groupName}/${c.name as string}`,
          restartPolicy:
            (properties.restartPolicy as 'Always' | 'OnFailure' | 'Never' | undefined) ?? 'Always',
        });
        rc.events.push(
          ev('Pulled', `Successfully pulled image "${image}"`),
          ev('Started', 'Started container'),
        );
      } catch (err) {
        if (!(err instanceof ImagePullError)) throw err;
        rc.pullError = `Failed to pull image "${image}": not found or access denied`;
        rc.events.push(ev('Failed', rc.pullError, 'Warning'));
        pullFailure ??= `The image '${image}' in container group '${groupName}' is not accessible. Please check the image and registry credential.`;
      }
      this.containers.push(rc);
    }
    const ip = properties.ipAddress as Obj | undefined;
    if (ip) {
      for (const p of ip.ports as Obj[]) {
        const port = p.port as number;
        const owner = this.containers.find((c) => c.ports.includes(port));
        this.#forwards.push(await this.#ctx.network.forward(this.ip, port, () => owner?.proc?.port));
      }
      if (fqdn) {
        this.#ctx.network.publishHost(fqdn, this.ip);
        this.#fqdn = fqdn;
      }
    }
    if (pullFailure) throw Object.assign(new Error(pullFailure), { code: 'InaccessibleImage' });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const f of this.#forwards.splice(0)) await f.close().catch(() => {});
    if (this.#fqdn) this.#ctx.network.unpublishHost(this.#fqdn);
    this.#fqdn = undefined;
    for (const c of this.containers.splice(0)) await c.proc?.stop();
  }

  /** `properties.instanceView` of each container, from the processes' real state. */
  containerView(name: string): Obj | undefined {
    const c = this.containers.find((x) => x.name === name);
    if (!c) return undefined;
    if (!c.proc)
      return {
        restartCount: 0,
        currentState: { state: 'Waiting', detailStatus: 'ImagePullBackOff' },
        events: c.events,
      };
    const s = c.proc.state();
    const events = [...c.events];
    if (s.restartCount > 0)
      events.push({
        count: s.restartCount,
        firstTimestamp: c.startTime,
        lastTimestamp: new Date().toISOString(),
        name: 'BackOff',
        message: 'Back-off restarting failed container',
        type: 'Warning',
      });
    const current: Obj = { state: s.state, startTime: c.startTime, detailStatus: s.reason ?? '' };
    if (s.state === 'Terminated' && s.exitCode !== undefined) current.exitCode = s.exitCode;
    const view: Obj = { restartCount: s.restartCount, currentState: current, events };
    if (s.restartCount > 0)
      view.previousState = { state: 'Terminated', exitCode: s.exitCode ?? 1, detailStatus: 'Error' };
    return view;
  }

  /** The group's `instanceView.state`. */
  groupState(): string {
    if (this.stopped) return 'Stopped';
    const states = this.containers.map((c) => c.proc?.state().state ?? 'Waiting');
    if (states.length > 0 && states.every((s) => s === 'Running')) return 'Running';
    if (states.some((s) => s === 'Terminated')) return 'Failed';
    return 'Pending';
  }

  logs(name: string, tail?: number): string | undefined {
    const c = this.containers.find((x) => x.name === name);
    if (!c) return undefined;
    const lines = c.proc?.logs() ?? [];
    return `${(tail ? lines.slice(-tail) : lines).join('\n')}${lines.length ? '\n' : ''}`;
  }
}
