import { request } from 'node:http';
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';

/** A container's readinessProbe, as far as the sandbox honours it. */
export interface Probe {
  httpGet?: { path?: string; port?: number | string; scheme?: string };
  tcpSocket?: { port?: number | string };
  /** gRPC health checking protocol: `grpc.health.v1.Health/Check` must answer SERVING. */
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

/**
 * Probe time runs faster than wall time so tests and demos do not wait tens of seconds:
 * one probe "second" lasts `PROBE_SECOND_MS` milliseconds (10 s period: a probe every 200 ms).
 */
export const PROBE_SECOND_MS = 20;

/** `HealthCheckRequest { service }` in protobuf wire format (field 1, length-delimited). */
function healthRequest(service: string): Buffer {
  const name = Buffer.from(service);
  return name.length ? Buffer.concat([Buffer.from([0x0a, name.length]), name]) : Buffer.alloc(0);
}

/** `grpc.health.v1.Health/Check` as the kubelet's gRPC probe calls it: passes on SERVING (status 1). */
function grpcProbe(port: number, service: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (b: Buffer) => b,
      (b: Buffer) => b,
      healthRequest(service),
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        client.close();
        // HealthCheckResponse { status = 1 (SERVING) }: tag 0x08, varint 1.
        resolve(!err && !!res && res.length >= 2 && res[0] === 0x08 && res[1] === 0x01);
      },
    );
  });
}

/** One attempt: an HTTP GET answered 200-399, a gRPC health check, or a TCP connect, on the loopback port. */
export function probeOnce(probe: Probe | undefined, port: number, timeoutMs: number): Promise<boolean> {
  if (probe?.grpc) return grpcProbe(port, probe.grpc.service ?? '', timeoutMs);
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    if (probe?.httpGet) {
      const path = probe.httpGet.path ?? '/';
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: path.startsWith('/') ? path : `/${path}`,
          method: 'GET',
          agent: false,
        },
        (res) => {
          const code = res.statusCode ?? 0;
          res.resume();
          res.on('error', () => undefined);
          finish(code >= 200 && code < 400);
        },
      );
      req.on('error', () => finish(false));
      req.setTimeout(timeoutMs, () => req.destroy());
      req.end();
      timer.unref?.();
      return;
    }
    // tcpSocket, or no probe at all: the container port accepts connections.
    const sock = connect({ host: '127.0.0.1', port });
    sock.on('connect', () => {
      sock.destroy();
      finish(true);
    });
    sock.on('error', () => finish(false));
  });
}

/**
 * Readiness of one container process: not ready until a probe passes (after the initial delay),
 * then not ready again after `failureThreshold` failures in a row. A restart starts over.
 */
export class ReadinessTracker {
  ready = false;
  private failures = 0;
  private successes = 0;
  private startedAt = Date.now();
  private lastAt = 0;
  private inflight = false;
  private restarts = -1;
  private stopped = false;
  private gen = 0;

  private readonly probe: Probe | undefined;

  constructor(probe: Probe | undefined) {
    this.probe = probe;
  }

  /** Called on every controller pass with the process's state; starts a probe when one is due. */
  tick(running: boolean, restartCount: number, port: number): boolean {
    if (!running || restartCount !== this.restarts) {
      this.ready = false;
      this.failures = 0;
      this.successes = 0;
      this.startedAt = Date.now();
      this.lastAt = 0;
      this.gen++;
      this.restarts = running ? restartCount : -1;
      if (!running) return false;
    }
    const p = this.probe;
    const sec = PROBE_SECOND_MS;
    const initial = (p?.initialDelaySeconds ?? 0) * sec;
    // Without a probe, check the port often: a plain TCP connect, as a readiness gate.
    const period = p ? Math.max(1, p.periodSeconds ?? 10) * sec : 50;
    const now = Date.now();
    if (!this.inflight && now - this.startedAt >= initial && now - this.lastAt >= period) {
      this.inflight = true;
      this.lastAt = now;
      const timeoutMs = Math.min(Math.max(1, p?.timeoutSeconds ?? 1) * 1000, 2000);
      const gen = this.gen;
      void probeOnce(p, port, timeoutMs).then((ok) => {
        this.inflight = false;
        if (this.stopped || gen !== this.gen) return;
        if (ok) {
          this.failures = 0;
          this.successes++;
          if (this.successes >= Math.max(1, p?.successThreshold ?? 1)) this.ready = true;
        } else {
          this.successes = 0;
          this.failures++;
          if (this.failures >= Math.max(1, p?.failureThreshold ?? 3)) this.ready = false;
        }
      });
    }
    return this.ready;
  }

  stop(): void {
    this.stopped = true;
  }
}
