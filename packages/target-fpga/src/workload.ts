// The FPGA environment expressed as an AKS environment plus a workload extension: the device
// resource, placement on the FPGA pool, the gRPC port and a gRPC smoke test.
import { existsSync, readFileSync } from 'node:fs';
import type { Endpoint, SmokeTest, TargetContext } from '@dove/deploy-core';
import { type AksConfig, configSchema as aksSchema, type WorkloadExtension } from '@dove/target-aks';
import type { FpgaConfig } from './config.ts';
import { checkHealth, floatTensor, type GrpcTarget, predict, readTensor, statusName } from './grpc.ts';
import type { PoolPlan } from './pool.ts';

type Ctx = TargetContext<FpgaConfig>;

/** PEM text as given, or the contents of the file it names. */
export function pemOf(ctx: Ctx, field: string, value: string): string {
  if (value.includes('-----BEGIN')) return value;
  if (!existsSync(value))
    throw new Error(
      `targets.${ctx.environment}.${field}: '${value}' is neither PEM text nor a readable file. Give the PEM (e.g. from a secret variable) or its path.`,
    );
  return readFileSync(value, 'utf8');
}

/** The AKS settings this FPGA environment amounts to. */
export function aksConfigOf(ctx: Ctx): AksConfig {
  const c = ctx.config;
  const tls = c.protocol.tls;
  return aksSchema.parse({
    cluster: c.cluster,
    namespace: c.namespace,
    ...(c.name ? { name: c.name } : {}),
    replicas: c.replicas,
    strategy: { type: c.strategy },
    env: {
      ...c.env,
      PORT: String(c.protocol.containerPort),
      DOVE_FPGA_ARCHITECTURE: c.architecture,
      DOVE_FPGA_QUANTIZED: String(c.quantized),
      DOVE_INPUT_TENSOR: c.inputTensor,
      DOVE_OUTPUT_TENSOR: c.outputTensor,
      DOVE_FPGA_VM_SIZE: c.nodePool.vmSize,
    },
    secrets: tls
      ? {
          DOVE_TLS_CERT: pemOf(ctx, 'protocol.tls.cert', tls.cert),
          DOVE_TLS_KEY: pemOf(ctx, 'protocol.tls.key', tls.key),
        }
      : {},
    auth: { enabled: c.protocol.auth },
    service: { type: 'LoadBalancer', port: c.protocol.port },
    progressDeadlineSeconds: c.progressDeadlineSeconds,
    labels: c.labels,
  });
}

/** The context the composed AKS target gets: same deploy, AKS settings, gRPC scoring port. */
export function aksContext(ctx: Ctx): TargetContext<AksConfig> {
  const { sample: _httpSample, ...scoring } = ctx.scoring;
  return {
    ...ctx,
    config: aksConfigOf(ctx),
    scoring: {
      ...scoring,
      image: ctx.config.image ?? ctx.scoring.image,
      port: ctx.config.protocol.containerPort,
    },
  };
}

/** Rows for verify's Predict call: the `sample` setting, else the spec sample's `data` / `inputs`. */
export function sampleRows(ctx: Ctx): number[][] | undefined {
  if (ctx.config.sample) return ctx.config.sample;
  const body = ctx.scoring.sample?.body as { data?: unknown; inputs?: unknown } | undefined;
  const rows = body?.data ?? body?.inputs;
  const numeric =
    Array.isArray(rows) &&
    rows.length > 0 &&
    rows.every((r) => Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === 'number'));
  return numeric ? (rows as number[][]) : undefined;
}

export function grpcTarget(ctx: Ctx, host: string, port: number, key?: string): GrpcTarget {
  const tls = ctx.config.protocol.tls;
  return {
    address: `${host}:${port}`,
    ...(tls
      ? {
          tls: {
            ...(tls.ca ? { ca: pemOf(ctx, 'protocol.tls.ca', tls.ca) } : {}),
            ...(tls.serverName ? { serverName: tls.serverName } : {}),
          },
        }
      : {}),
    ...(key ? { key } : {}),
    deadlineMs: 15_000,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Health check, then (with a sample) one Predict call; the message names the step that failed. */
export async function grpcSmoke(ctx: Ctx, target: GrpcTarget, signal: AbortSignal): Promise<SmokeTest> {
  const started = performance.now();
  ctx.requests.count('scoring', 'POST');
  let status: string;
  try {
    status = await checkHealth(target, '', signal);
  } catch (err) {
    const e = err as { code?: number; details?: string; message: string };
    return {
      ok: false,
      message: `gRPC health check (grpc.health.v1.Health/Check) on ${target.address} failed: ${statusName(e.code)} ${e.details ?? e.message}`,
    };
  }
  if (status !== 'SERVING')
    return { ok: false, message: `gRPC health check on ${target.address} answered ${status}, not SERVING` };
  const rows = sampleRows(ctx);
  if (!rows)
    return {
      ok: true,
      latencyMs: Math.round(performance.now() - started),
      body: 'health SERVING (no sample input: Predict not called)',
    };
  const { inputTensor, outputTensor } = ctx.config;
  ctx.requests.count('scoring', 'POST');
  try {
    const res = await predict(
      target,
      {
        model_spec: { name: ctx.model.name, signature_name: 'serving_default' },
        inputs: { [inputTensor]: floatTensor(rows) },
        output_filter: [outputTensor],
      },
      signal,
    );
    const out = res.outputs?.[outputTensor];
    if (!out)
      return {
        ok: false,
        message: `Predict answered without output tensor '${outputTensor}' (it has: ${Object.keys(res.outputs ?? {}).join(', ') || 'none'}); check outputTensor`,
      };
    const { shape, values } = readTensor(out);
    if (shape[0] !== rows.length)
      return {
        ok: false,
        message: `Predict returned shape [${shape.join(', ')}] for ${rows.length} input row(s)`,
      };
    const width = values.length / rows.length;
    const first = values.slice(0, Math.min(width, 4)).map(round);
    return {
      ok: true,
      latencyMs: Math.round(performance.now() - started),
      body: `Predict ${outputTensor} [${shape.join('x')}]: ${first.join(', ')}${width > 4 ? ', ...' : ''}`,
    };
  } catch (err) {
    const e = err as { code?: number; details?: string; message: string };
    return {
      ok: false,
      message: `Predict (tensorflow.serving.PredictionService/Predict) on ${target.address} failed: ${statusName(e.code)} ${e.details ?? e.message}`,
    };
  }
}

/** `grpc://` or `grpcs://` address users call. */
export function grpcEndpoint(
  ctx: Ctx,
  host: string,
  port: number,
  keys: { primary: string; secondary: string } | undefined,
): Endpoint {
  const scheme = ctx.config.protocol.tls ? 'grpcs' : 'grpc';
  return {
    scoringUri: `${scheme}://${host}:${port}`,
    healthUri: `${scheme}://${host}:${port}/grpc.health.v1.Health/Check`,
    auth: keys ? { type: 'key', primaryKey: keys.primary, secondaryKey: keys.secondary } : { type: 'none' },
  };
}

/** Device, placement, gRPC port and probe, and the gRPC smoke test, for `aks({ extension })`. */
export function extensionFor(ctx: Ctx, pool: Pick<PoolPlan, 'name' | 'taints' | 'size'>): WorkloadExtension {
  const port = ctx.config.protocol.containerPort;
  return {
    resources: { [pool.size.resource]: '1' },
    nodeSelector: { 'kubernetes.azure.com/agentpool': pool.name },
    tolerations: pool.taints.map(parseTaint),
    mainPort: { name: 'grpc', appProtocol: 'grpc' },
    // The kubelet's gRPC probe speaks plaintext only: with TLS, a TCP check of the port.
    probe: ctx.config.protocol.tls ? { tcpSocket: { port } } : { grpc: { port } },
    smoke: (at, keys, signal) => grpcSmoke(ctx, grpcTarget(ctx, at.host, at.port, keys?.primary), signal),
    endpoint: (at, keys) => grpcEndpoint(ctx, at.host, at.port, keys),
  };
}

/** `key=value:Effect` → a toleration of exactly that taint. */
export function parseTaint(taint: string): { key: string; operator: 'Equal'; value: string; effect: string } {
  const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(taint);
  if (!m) return { key: taint, operator: 'Equal', value: '', effect: 'NoSchedule' };
  return { key: m[1]!, operator: 'Equal', value: m[2] ?? '', effect: m[3]! };
}
