// Trains the iris classifier from data/iris.csv and writes model/model.json.
// Deterministic: the same data and seed always give the same bytes.
//   node train.ts            (Node 24; from this folder or any other)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IrisModel, predict, softmax } from './server/model.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SEED = 20260101;
const EPOCHS = 2000;
const LEARNING_RATE = 0.1;
const L2 = 0.001;
const TEST_FRACTION = 0.2;

/** mulberry32: a tiny seeded PRNG, so the split is the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  x: number[];
  y: number;
}

const csvText = readFileSync(join(here, 'data', 'iris.csv'), 'utf8');
const [header, ...lines] = csvText.trim().split('\n');
const columns = (header ?? '').split(',');
const features = columns.slice(0, -1);
const classes: string[] = [];
const rows: Row[] = lines.map((line, i) => {
  const cells = line.split(',');
  const label = cells.at(-1) ?? '';
  const x = cells.slice(0, -1).map(Number);
  if (x.length !== features.length || x.some((v) => !Number.isFinite(v)))
    throw new Error(`data/iris.csv line ${i + 2}: expected ${features.length} numbers and a label`);
  if (!classes.includes(label)) classes.push(label);
  return { x, y: classes.indexOf(label) };
});

// Stratified split: the same fraction of each class goes to the test set.
const rand = prng(SEED);
const train: Row[] = [];
const test: Row[] = [];
for (let k = 0; k < classes.length; k++) {
  const ofClass = rows.filter((r) => r.y === k);
  for (let i = ofClass.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ofClass[i], ofClass[j]] = [ofClass[j] as Row, ofClass[i] as Row];
  }
  const nTest = Math.round(ofClass.length * TEST_FRACTION);
  test.push(...ofClass.slice(0, nTest));
  train.push(...ofClass.slice(nTest));
}

// Standardise with the training rows' statistics only.
const nf = features.length;
const nc = classes.length;
const mean = Array.from(
  { length: nf },
  (_, j) => train.reduce((s, r) => s + (r.x[j] ?? 0), 0) / train.length,
);
const std = Array.from({ length: nf }, (_, j) =>
  Math.sqrt(train.reduce((s, r) => s + ((r.x[j] ?? 0) - (mean[j] ?? 0)) ** 2, 0) / train.length),
);
const z = (x: number[]) => x.map((v, j) => (v - (mean[j] ?? 0)) / (std[j] ?? 1));
const trainZ = train.map((r) => ({ x: z(r.x), y: r.y }));

// Full-batch gradient descent on the cross-entropy with a small L2 penalty.
const weights = Array.from({ length: nc }, () => Array.from({ length: nf }, () => (rand() - 0.5) * 0.01));
const bias = Array.from({ length: nc }, () => 0);
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const gW = weights.map((w) => w.map(() => 0));
  const gB = bias.map(() => 0);
  for (const r of trainZ) {
    const logits = weights.map((w, k) => w.reduce((s, wj, j) => s + wj * (r.x[j] ?? 0), bias[k] ?? 0));
    const p = softmax(logits);
    for (let k = 0; k < nc; k++) {
      const err = (p[k] ?? 0) - (r.y === k ? 1 : 0);
      gB[k] = (gB[k] ?? 0) + err;
      const gw = gW[k] as number[];
      for (let j = 0; j < nf; j++) gw[j] = (gw[j] ?? 0) + err * (r.x[j] ?? 0);
    }
  }
  for (let k = 0; k < nc; k++) {
    const w = weights[k] as number[];
    const gw = gW[k] as number[];
    for (let j = 0; j < nf; j++)
      w[j] = (w[j] ?? 0) - LEARNING_RATE * ((gw[j] ?? 0) / trainZ.length + L2 * (w[j] ?? 0));
    bias[k] = (bias[k] ?? 0) - (LEARNING_RATE * (gB[k] ?? 0)) / trainZ.length;
  }
}

const round = (v: number) => Number(v.toFixed(8));
const model: IrisModel = {
  format: 'dove-softmax-regression/v1',
  features,
  classes,
  mean: mean.map(round),
  std: std.map(round),
  weights: weights.map((w) => w.map(round)),
  bias: bias.map(round),
  training: {
    dataSha256: createHash('sha256').update(csvText).digest('hex'),
    rows: rows.length,
    trainRows: train.length,
    testRows: test.length,
    seed: SEED,
    epochs: EPOCHS,
    learningRate: LEARNING_RATE,
    l2: L2,
    trainAccuracy: 0,
    testAccuracy: 0,
    accuracy: 0,
  },
};
const accuracy = (set: Row[]) =>
  round(set.filter((r) => predict(model, r.x).label === classes[r.y]).length / set.length);
model.training.trainAccuracy = accuracy(train);
model.training.testAccuracy = accuracy(test);
model.training.accuracy = accuracy(rows);

const out = join(here, 'model', 'model.json');
writeFileSync(out, `${JSON.stringify(model, null, 2)}\n`);
console.log(
  `trained on ${train.length} rows, tested on ${test.length}: ` +
    `train accuracy ${model.training.trainAccuracy}, test accuracy ${model.training.testAccuracy}, ` +
    `all rows ${model.training.accuracy} -> ${out}`,
);
