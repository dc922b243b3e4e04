// The iris model: a multinomial logistic regression over standardised features. Shared by
// the training script and the scoring server so both compute probabilities the same way.

export interface IrisModel {
  format: 'dove-softmax-regression/v1';
  /** Feature names, in the order a row of `data` gives them. */
  features: string[];
  classes: string[];
  /** Per-feature mean and standard deviation used to standardise inputs. */
  mean: number[];
  std: number[];
  /** One row of weights per class, one column per feature. */
  weights: number[][];
  bias: number[];
  training: {
    dataSha256: string;
    rows: number;
    trainRows: number;
    testRows: number;
    seed: number;
    epochs: number;
    learningRate: number;
    l2: number;
    trainAccuracy: number;
    testAccuracy: number;
    /** Accuracy over all 150 rows. */
    accuracy: number;
  };
}

export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function standardise(model: Pick<IrisModel, 'mean' | 'std'>, row: number[]): number[] {
  return row.map((x, j) => (x - (model.mean[j] ?? 0)) / (model.std[j] ?? 1));
}

/** Class probabilities for one raw (unstandardised) row. */
export function probabilities(model: IrisModel, row: number[]): number[] {
  const x = standardise(model, row);
  const logits = model.weights.map((w, k) =>
    w.reduce((s, wj, j) => s + wj * (x[j] ?? 0), model.bias[k] ?? 0),
  );
  return softmax(logits);
}

export function predict(model: IrisModel, row: number[]): { label: string; probabilities: number[] } {
  const p = probabilities(model, row);
  let best = 0;
  for (let k = 1; k < p.length; k++) if ((p[k] ?? 0) > (p[best] ?? 0)) best = k;
  return { label: model.classes[best] ?? String(best), probabilities: p };
}

/** Checks the shape of a parsed model.json; returns a message naming the first problem. */
export function modelProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'the file is not a JSON object';
  const m = value as Partial<IrisModel>;
  if (m.format !== 'dove-softmax-regression/v1') return `format must be "dove-softmax-regression/v1"`;
  const nf = m.features?.length ?? 0;
  const nc = m.classes?.length ?? 0;
  if (nf === 0 || nc < 2) return 'features must be non-empty and classes must hold at least two names';
  const isVec = (v: unknown, n: number) =>
    Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!isVec(m.mean, nf) || !isVec(m.std, nf)) return `mean and std must hold ${nf} finite numbers`;
  if (!isVec(m.bias, nc)) return `bias must hold ${nc} finite numbers`;
  if (!Array.isArray(m.weights) || m.weights.length !== nc || !m.weights.every((w) => isVec(w, nf)))
    return `weights must be ${nc} rows of ${nf} finite numbers`;
  return undefined;
}
