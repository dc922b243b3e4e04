// The FPGA example's scoring server: TF-Serving's gRPC PredictionService/Predict and the gRPC
// health checking protocol, over the .proto files shipped with @dove/target-fpga. Runs on Node 24:
//   node --conditions=@dove/source server.ts
// Environment:
//   PORT (default 50051), HOST (default 0.0.0.0)
//   MODEL_PATH         a folder holding featurizer.json or model.json (default: the bundled ../model)
//   DOVE_MODEL_URI     a model version's folder in Blob Storage; with DOVE_MODEL_SAS (read-only SAS)
//   DOVE_INPUT_TENSOR  input alias (default Placeholder:0); DOVE_OUTPUT_TENSOR (default output:0)
//   DOVE_FPGA_ARCHITECTURE  the featurizer the deployment asked for; a featurizer file naming
//                      another architecture is refused
//   DOVE_PRIMARY_KEY, DOVE_SECONDARY_KEY  when set, calls need metadata "authorization: Bearer <key>"
//   DOVE_TLS_CERT, DOVE_TLS_KEY  PEM: serve TLS instead of plaintext
import { timingSafeEqual } from 'node:crypto';
import { floatTensor, grpc, type PredictRequest, servingProtos, tensorRows } from '@dove/target-fpga/grpc';
import { loadModel } from './model-source.ts';
import { ModelLoadError } from './network.ts';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const fail = (line: string): never => {
  log(line);
  process.exit(1);
};

const env = process.env;
const port = Number(env.PORT ?? 50051);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT=${env.PORT} is not a port number`);
const host = env.HOST?.trim() || '0.0.0.0';
const inputName = env.DOVE_INPUT_TENSOR?.trim() || 'Placeholder:0';
const outputName = env.DOVE_OUTPUT_TENSOR?.trim() || 'output:0';
const wanted = env.DOVE_FPGA_ARCHITECTURE?.trim();
const keys = [env.DOVE_PRIMARY_KEY, env.DOVE_SECONDARY_KEY]
  .map((k) => k?.trim())
  .filter((k): k is string => !!k)
  .map((k) => Buffer.from(k));

let loaded: Awaited<ReturnType<typeof loadModel>>;
try {
  loaded = await loadModel(env);
} catch (err) {
  if (err instanceof ModelLoadError) fail(`refusing to serve: ${err.message}`);
  throw err;
}
const net = loaded.network;
if (wanted && net.architecture && net.architecture !== wanted)
  fail(
    `refusing to serve: ${loaded.file} is a ${net.architecture} featurizer, but this deployment asks for ${wanted}`,
  );
log(
  `model ${loaded.name} ${loaded.version} loaded from ${loaded.source} (${loaded.file}, ${net.format}${net.architecture ? `, ${net.architecture}` : ''}, ${net.inputSize} -> ${net.outputSize}; running on CPU)`,
);

function authorised(md: grpc.Metadata): boolean {
  if (keys.length === 0) return true;
  const given = String(md.get('authorization')[0] ?? '').replace(/^Bearer\s+/i, '');
  const g = Buffer.from(given);
  return keys.some((k) => k.length === g.length && timingSafeEqual(k, g));
}

type Callback = (err: Partial<grpc.StatusObject> | null, value?: unknown) => void;

function predict(call: grpc.ServerUnaryCall<PredictRequest, unknown>, cb: Callback) {
  if (!authorised(call.metadata))
    return cb({
      code: grpc.status.UNAUTHENTICATED,
      details: 'missing or wrong key (metadata authorization: Bearer <key>)',
    });
  const input = call.request.inputs?.[inputName];
  if (!input)
    return cb({
      code: grpc.status.INVALID_ARGUMENT,
      details: `input tensor '${inputName}' is missing (got: ${Object.keys(call.request.inputs ?? {}).join(', ') || 'none'})`,
    });
  const rows = tensorRows(input);
  const bad = rows.findIndex((r) => r.length !== net.inputSize);
  if (rows.length === 0 || bad >= 0)
    return cb({
      code: grpc.status.INVALID_ARGUMENT,
      details: `input '${inputName}' must have shape [batch, ${net.inputSize}]; row ${Math.max(bad, 0)} has ${rows[Math.max(bad, 0)]?.length ?? 0} values`,
    });
  const filter = call.request.output_filter ?? [];
  if (filter.length && !filter.includes(outputName))
    return cb({
      code: grpc.status.INVALID_ARGUMENT,
      details: `unknown output '${filter.join(', ')}'; this model has '${outputName}'`,
    });
  cb(null, {
    outputs: { [outputName]: floatTensor(net.run(rows)) },
    model_spec: {
      name: loaded.name,
      signature_name: call.request.model_spec?.signature_name || 'serving_default',
    },
  });
}

const SERVICES = new Set(['', 'tensorflow.serving.PredictionService']);
function check(call: grpc.ServerUnaryCall<{ service?: string }, unknown>, cb: Callback) {
  const service = call.request.service ?? '';
  if (!SERVICES.has(service))
    return cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${service}` });
  cb(null, { status: 'SERVING' });
}
function watch(call: grpc.ServerWritableStream<{ service?: string }, unknown>) {
  call.write({ status: SERVICES.has(call.request.service ?? '') ? 'SERVING' : 'SERVICE_UNKNOWN' });
}

const { PredictionService, Health } = servingProtos();
const server = new grpc.Server();
server.addService(PredictionService.service, { Predict: predict });
server.addService(Health.service, { Check: check, Watch: watch });

const tls = env.DOVE_TLS_CERT && env.DOVE_TLS_KEY;
const creds = tls
  ? grpc.ServerCredentials.createSsl(null, [
      { cert_chain: Buffer.from(env.DOVE_TLS_CERT!), private_key: Buffer.from(env.DOVE_TLS_KEY!) },
    ])
  : grpc.ServerCredentials.createInsecure();
server.bindAsync(`${host}:${port}`, creds, (err, actual) => {
  if (err) fail(`cannot listen on ${host}:${port}: ${err.message}`);
  log(
    `listening on ${tls ? 'grpcs' : 'grpc'}://${host}:${actual} (Predict input '${inputName}', output '${outputName}'; key auth ${keys.length ? 'on' : 'off'})`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    log(`${signal}: shutting down`);
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
