// What the FPGA scorer runs: a small dense network. Two model files are understood:
// - `featurizer.json` (`dove-featurizer/v1`): the stand-in for an FPGA-hosted featurizer
//   (dense layers, each `weights` [out][in], `bias` [out], `activation` relu | none | softmax);
// - `model.json` (`dove-softmax-regression/v1`): the iris classifier, i.e. standardise, one dense
//   layer, softmax; so the iris spec's FPGA environment serves the same model as its other targets.
// Real FPGA serving runs the accelerated graph on the device; here every product runs on the CPU.

export const MODEL_FILES = ['featurizer.json', 'model.json'] as const;

interface Layer {
  weights: number[][];
  bias: number[];
  activation: 'relu' | 'none' | 'softmax';
}

export interface Network {
  format: string;
  architecture?: string;
  inputSize: number;
  outputSize: number;
  run(rows: number[][]): number[][];
}

/** A model that must not serve: the message names the file and what was wrong. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

const isNumbers = (v: unknown, n?: number): v is number[] =>
  Array.isArray(v) &&
  (n === undefined || v.length === n) &&
  v.every((x) => typeof x === 'number' && Number.isFinite(x));

function checkLayers(layers: unknown, inputSize: number, where: string): Layer[] {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new ModelLoadError(`${where}: layers must be a non-empty list`);
  let width = inputSize;
  return layers.map((l, i) => {
    const layer = l as Partial<Layer>;
    if (!Array.isArray(layer.weights) || layer.weights.length === 0)
      throw new ModelLoadError(`${where}: layers[${i}].weights must be a non-empty matrix`);
    for (const [r, row] of layer.weights.entries())
      if (!isNumbers(row, width))
        throw new ModelLoadError(
          `${where}: layers[${i}].weights[${r}] must hold ${width} numbers (the width of the layer before)`,
        );
    if (!isNumbers(layer.bias, layer.weights.length))
      throw new ModelLoadError(`${where}: layers[${i}].bias must hold ${layer.weights.length} numbers`);
    const activation = layer.activation ?? 'none';
    if (!['relu', 'none', 'softmax'].includes(activation))
      throw new ModelLoadError(`${where}: layers[${i}].activation must be relu, none or softmax`);
    width = layer.weights.length;
    return { weights: layer.weights, bias: layer.bias, activation };
  });
}

function softmax(v: number[]): number[] {
  const max = Math.max(...v);
  const e = v.map((x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function dense(layers: Layer[], x: number[]): number[] {
  let v = x;
  for (const l of layers) {
    const z = l.weights.map((w, k) => w.reduce((s, wj, j) => s + wj * (v[j] ?? 0), l.bias[k] ?? 0));
    v = l.activation === 'relu' ? z.map((t) => Math.max(0, t)) : l.activation === 'softmax' ? softmax(z) : z;
  }
  return v;
}

/** Parses a model file into a network; `where` names the file in errors. */
export function networkFrom(value: unknown, where: string): Network {
  if (typeof value !== 'object' || value === null) throw new ModelLoadError(`${where} is not a JSON object`);
  const m = value as Record<string, unknown>;
  if (m.format === 'dove-featurizer/v1') {
    const inputSize = m.inputSize;
    if (typeof inputSize !== 'number' || !Number.isInteger(inputSize) || inputSize < 1)
      throw new ModelLoadError(`${where}: inputSize must be a positive whole number`);
    const layers = checkLayers(m.layers, inputSize, where);
    return {
      format: m.format,
      ...(typeof m.architecture === 'string' ? { architecture: m.architecture } : {}),
      inputSize,
      outputSize: layers.at(-1)!.weights.length,
      run: (rows) => rows.map((r) => dense(layers, r)),
    };
  }
  if (m.format === 'dove-softmax-regression/v1') {
    const weights = m.weights as number[][];
    const n = Array.isArray(weights) && Array.isArray(weights[0]) ? weights[0].length : 0;
    if (!isNumbers(m.mean, n) || !isNumbers(m.std, n) || n === 0)
      throw new ModelLoadError(`${where}: mean and std must hold one number per feature`);
    const layers = checkLayers([{ weights, bias: m.bias, activation: 'softmax' }], n, where);
    const mean = m.mean;
    const std = m.std;
    return {
      format: m.format,
      inputSize: n,
      outputSize: weights.length,
      run: (rows) =>
        rows.map((r) =>
          dense(
            layers,
            r.map((x, j) => (x - (mean[j] ?? 0)) / (std[j] || 1)),
          ),
        ),
    };
  }
  throw new ModelLoadError(
    `${where}: format ${JSON.stringify(m.format)} is not one this scorer runs (dove-featurizer/v1 or dove-softmax-regression/v1)`,
  );
}
