// The example FPGA scoring server on its own: TF-Serving Predict and gRPC health over the shipped
// protos, its input checks, key auth, TLS, and the model store delivery it refuses when corrupt.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModelDelivery, openContainer, uploadModel } from '@dove/model-store';
import { loadOrCreateCa } from '@dove/sandbox';
import { type AzuriteBlob, startAzurite } from '@dove/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkHealth, floatTensor, predict, readTensor, statusName } from '../src/grpc.ts';
import { featurizerDir, irisDir, type RunningScorer, startScorer } from './scorer.ts';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];

/** The featurizer computed here from its JSON, independently of the server's code. */
function expected(rows: number[][]): number[][] {
  const m = JSON.parse(readFileSync(join(featurizerDir, 'featurizer.json'), 'utf8')) as {
    layers: { weights: number[][]; bias: number[]; activation: string }[];
  };
  return rows.map((row) => {
    let v = row;
    for (const l of m.layers) {
      const z = l.weights.map((w, k) => w.reduce((s, x, j) => s + x * v[j]!, l.bias[k]!));
      v = l.activation === 'relu' ? z.map((x) => Math.max(0, x)) : z;
    }
    return v;
  });
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: { code?: number }) => statusName(e.code),
  );

describe('the bundled featurizer', () => {
  let s: RunningScorer;
  beforeAll(async () => {
    s = await startScorer({ MODEL_PATH: featurizerDir, DOVE_FPGA_ARCHITECTURE: 'resnet50' });
  });
  afterAll(() => s?.stop());

  test('health: SERVING for the server and PredictionService, NOT_FOUND for another service', async () => {
    expect(await checkHealth({ address: s.address })).toBe('SERVING');
    expect(await checkHealth({ address: s.address }, 'tensorflow.serving.PredictionService')).toBe('SERVING');
    expect(await codeOf(checkHealth({ address: s.address }, 'other.Service'))).toBe('NOT_FOUND');
  });

  test('Predict: [batch, 4] in, [batch, 6] out, the values the weights give', async () => {
    const res = await predict(
      { address: s.address },
      { model_spec: { name: 'featurizer' }, inputs: { 'Placeholder:0': floatTensor(ROWS) } },
    );
    const out = readTensor(res.outputs!['output:0']!);
    expect(out.shape).toEqual([2, 6]);
    const want = expected(ROWS).flat();
    for (const [i, v] of out.values.entries()) expect(v).toBeCloseTo(want[i]!, 4);
  });

  test('bad input: a missing input tensor or a wrong width is INVALID_ARGUMENT naming what was expected', async () => {
    const wrongName = predict({ address: s.address }, { inputs: { input: floatTensor(ROWS) } });
    await expect(wrongName).rejects.toMatchObject({
      details: "input tensor 'Placeholder:0' is missing (got: input)",
    });
    const narrow = predict({ address: s.address }, { inputs: { 'Placeholder:0': floatTensor([[1, 2, 3]]) } });
    expect(await codeOf(narrow)).toBe('INVALID_ARGUMENT');
    await expect(
      predict({ address: s.address }, { inputs: { 'Placeholder:0': floatTensor([[1, 2, 3]]) } }),
    ).rejects.toMatchObject({ details: expect.stringContaining('must have shape [batch, 4]') });
  });
});

test('key auth: without the key UNAUTHENTICATED, with either key OK', async () => {
  const s = await startScorer({
    MODEL_PATH: featurizerDir,
    DOVE_PRIMARY_KEY: 'k1-primary',
    DOVE_SECONDARY_KEY: 'k2-second',
  });
  try {
    const req = { inputs: { 'Placeholder:0': floatTensor([[1, 2, 3, 4]]) } };
    expect(await codeOf(predict({ address: s.address }, req))).toBe('UNAUTHENTICATED');
    expect(await codeOf(predict({ address: s.address, key: 'wrong' }, req))).toBe('UNAUTHENTICATED');
    expect(await codeOf(predict({ address: s.address, key: 'k1-primary' }, req))).toBe('OK');
    expect(await codeOf(predict({ address: s.address, key: 'k2-second' }, req))).toBe('OK');
  } finally {
    await s.stop();
  }
});

test('TLS: serves grpcs with the given certificate; a client trusting that CA calls it, a plaintext one cannot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-fpga-ca-'));
  try {
    const ca = await loadOrCreateCa(dir);
    const { certPem, keyPem } = await ca.issue(['scorer.example.test']);
    const s = await startScorer({ MODEL_PATH: featurizerDir, DOVE_TLS_CERT: certPem, DOVE_TLS_KEY: keyPem });
    try {
      expect(s.out()).toContain('listening on grpcs://');
      const tls = { ca: ca.certPem, serverName: 'scorer.example.test' };
      expect(await checkHealth({ address: s.address, tls })).toBe('SERVING');
      expect(await codeOf(checkHealth({ address: s.address, deadlineMs: 3000 }))).toBe('UNAVAILABLE');
    } finally {
      await s.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a featurizer of another architecture than the deployment asks for is refused at start', async () => {
  const err = await startScorer({ MODEL_PATH: featurizerDir, DOVE_FPGA_ARCHITECTURE: 'vgg16' }).catch(
    (e) => e,
  );
  expect(err.code).toBe(1);
  expect(err.out).toContain(
    'refusing to serve: featurizer.json is a resnet50 featurizer, but this deployment asks for vgg16',
  );
});

test('the iris model (one dense layer + softmax) is served too: probabilities per class, setosa first', async () => {
  const s = await startScorer({ MODEL_PATH: irisDir });
  try {
    const res = await predict({ address: s.address }, { inputs: { 'Placeholder:0': floatTensor(ROWS) } });
    const out = readTensor(res.outputs!['output:0']!);
    expect(out.shape).toEqual([2, 3]);
    expect(out.values.slice(0, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(out.values[0]).toBeGreaterThan(0.9);
    expect(out.values[5]).toBeGreaterThan(0.5);
  } finally {
    await s.stop();
  }
});

describe('from the model store (Azurite)', () => {
  let azurite: AzuriteBlob;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  test('downloads and checks the model; refuses a corrupt one, naming the file and both hashes', async () => {
    const store = { connectionString: azurite.connectionString, container: 'models' };
    await uploadModel({
      store,
      model: { name: 'resnet50-featurizer', version: '1.0.0', path: featurizerDir },
      specHash: 'h',
    });
    const delivery = await createModelDelivery({ store, name: 'resnet50-featurizer', version: '1.0.0' });
    const env = { DOVE_MODEL_URI: delivery.uri, DOVE_MODEL_SAS: delivery.sasToken ?? '' };
    const good = await startScorer(env);
    expect(good.out()).toMatch(
      /model resnet50-featurizer 1\.0\.0 loaded from http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/models\/resnet50-featurizer\/1\.0\.0 \(featurizer\.json/,
    );
    expect(good.out()).not.toContain('sig=');
    await good.stop();

    const blob = openContainer(store).getBlockBlobClient('resnet50-featurizer/1.0.0/featurizer.json');
    const text = (await blob.downloadToBuffer()).toString().replace('0.42', '0.43');
    await blob.upload(text, Buffer.byteLength(text));
    const err = await startScorer(env).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.out).toMatch(
      /refusing to serve: corrupt model file featurizer\.json of resnet50-featurizer 1\.0\.0: expected \d+ bytes with sha256 [0-9a-f]{64}, got \d+ bytes with sha256 [0-9a-f]{64}/,
    );
  });
});
