// TF-Serving's PredictionService and gRPC's health protocol, loaded from the .proto files shipped
// with this package (`protos/`). The FPGA target's verify step and the example scoring server
// (examples/fpga) both load them from here, so client and server cannot drift apart.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Folder of the .proto files (the same relative place from `src/` and `dist/`). */
export const PROTO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'protos');

const FILES = ['tensorflow_serving/apis/prediction_service.proto', 'grpc/health/v1/health.proto'];

/** What a `TensorProto` looks like with the loader options below (int64 as strings, enums as names). */
export interface TensorProto {
  dtype?: string;
  tensor_shape?: { dim?: { size?: string | number; name?: string }[]; unknown_rank?: boolean };
  version_number?: number;
  tensor_content?: Buffer;
  float_val?: number[];
  double_val?: number[];
  int_val?: number[];
  int64_val?: (string | number)[];
  half_val?: number[];
  [field: string]: unknown;
}

export interface ModelSpecMessage {
  name?: string;
  version?: { value?: string | number } | null;
  signature_name?: string;
}

export interface PredictRequest {
  model_spec?: ModelSpecMessage | null;
  inputs?: Record<string, TensorProto>;
  output_filter?: string[];
}

export interface PredictResponse {
  outputs?: Record<string, TensorProto>;
  model_spec?: ModelSpecMessage | null;
}

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface ServingProtos {
  PredictionService: grpc.ServiceClientConstructor;
  Health: grpc.ServiceClientConstructor;
}

let cached: ServingProtos | undefined;

/** Loads (once) the PredictionService and Health service definitions. */
export function servingProtos(): ServingProtos {
  if (cached) return cached;
  const definition = protoLoader.loadSync(
    FILES.map((f) => join(PROTO_DIR, f)),
    { includeDirs: [PROTO_DIR], keepCase: true, longs: String, enums: String, defaults: false, oneofs: true },
  );
  // biome-ignore lint/suspicious/noExplicitAny: the loaded package is untyped by nature
  const pkg = grpc.loadPackageDefinition(definition) as any;
  cached = {
    PredictionService: pkg.tensorflow.serving.PredictionService as grpc.ServiceClientConstructor,
    Health: pkg.grpc.health.v1.Health as grpc.ServiceClientConstructor,
  };
  return cached;
}

/** A float tensor from rows of numbers (shape `[rows, columns]`). */
export function floatTensor(rows: number[][]): TensorProto {
  const columns = rows[0]?.length ?? 0;
  return {
    dtype: 'DT_FLOAT',
    tensor_shape: { dim: [{ size: rows.length }, { size: columns }] },
    float_val: rows.flat(),
  };
}

/** Shape and values of a numeric tensor, from whichever representation it uses. */
export function readTensor(t: TensorProto): { shape: number[]; values: number[] } {
  const shape = (t.tensor_shape?.dim ?? []).map((d) => Number(d.size ?? 0));
  let values: number[];
  if (t.float_val?.length) values = t.float_val;
  else if (t.double_val?.length) values = t.double_val;
  else if (t.int_val?.length) values = t.int_val;
  else if (t.int64_val?.length) values = t.int64_val.map(Number);
  else if (t.tensor_content?.length) {
    const b = t.tensor_content;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const step = t.dtype === 'DT_DOUBLE' ? 8 : 4;
    values = [];
    for (let i = 0; i + step <= b.byteLength; i += step)
      values.push(
        t.dtype === 'DT_DOUBLE'
          ? view.getFloat64(i, true)
          : t.dtype === 'DT_INT32'
            ? view.getInt32(i, true)
            : view.getFloat32(i, true),
      );
  } else values = [];
  return { shape, values };
}

/** Rows of a 2-D tensor (`[batch, n]`); a 1-D tensor is one row. */
export function tensorRows(t: TensorProto): number[][] {
  const { shape, values } = readTensor(t);
  if (shape.length <= 1) return [values];
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
  return rows;
}

/** How to reach a gRPC scoring service. */
export interface GrpcTarget {
  /** `host:port` */
  address: string;
  /** Use TLS; `ca` (PEM) replaces the system roots, `serverName` is checked against the certificate. */
  tls?: { ca?: string; serverName?: string };
  /** Sent as metadata `authorization: Bearer <key>`. */
  key?: string;
  /** Per call, milliseconds (default 10 s). */
  deadlineMs?: number;
}

function clientOf<T extends grpc.Client>(ctor: grpc.ServiceClientConstructor, t: GrpcTarget): T {
  const creds = t.tls
    ? grpc.credentials.createSsl(t.tls.ca ? Buffer.from(t.tls.ca) : null)
    : grpc.credentials.createInsecure();
  const options: grpc.ClientOptions = {};
  if (t.tls?.serverName) options['grpc.ssl_target_name_override'] = t.tls.serverName;
  return new ctor(t.address, creds, options) as unknown as T;
}

function metadataOf(t: GrpcTarget): grpc.Metadata {
  const md = new grpc.Metadata();
  if (t.key) md.set('authorization', `Bearer ${t.key}`);
  return md;
}

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => void;

function unary<Req, Res>(
  ctor: grpc.ServiceClientConstructor,
  method: string,
  t: GrpcTarget,
  req: Req,
  signal?: AbortSignal,
): Promise<Res> {
  const client = clientOf<grpc.Client & Record<string, Unary<Req, Res>>>(ctor, t);
  return new Promise<Res>((resolve, reject) => {
    const call = client[method]!.call(
      client,
      req,
      metadataOf(t),
      { deadline: Date.now() + (t.deadlineMs ?? 10_000) },
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res as Res);
      },
    ) as unknown as grpc.ClientUnaryCall | undefined;
    signal?.addEventListener('abort', () => call?.cancel(), { once: true });
  });
}

/** `grpc.health.v1.Health/Check`; `service` empty: the server as a whole. */
export async function checkHealth(t: GrpcTarget, service = '', signal?: AbortSignal): Promise<ServingStatus> {
  const res = await unary<{ service: string }, { status?: ServingStatus }>(
    servingProtos().Health,
    'Check',
    t,
    { service },
    signal,
  );
  return res.status ?? 'UNKNOWN';
}

/** `tensorflow.serving.PredictionService/Predict`. */
export function predict(t: GrpcTarget, req: PredictRequest, signal?: AbortSignal): Promise<PredictResponse> {
  return unary<PredictRequest, PredictResponse>(servingProtos().PredictionService, 'Predict', t, req, signal);
}

/** gRPC status code names, for messages (`14` reads better as `UNAVAILABLE`). */
export function statusName(code: number | undefined): string {
  if (code === undefined) return 'UNKNOWN';
  return (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
}

export { grpc };
