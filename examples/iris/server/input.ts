// Turns a /score request body into rows of numbers, or a message that says what to fix.
import type { IrisModel } from './model.ts';

export const MAX_ROWS = 10_000;

export type ParsedInput = { rows: number[][] } | { error: string };

export function parseScoreInput(text: string, model: IrisModel): ParsedInput {
  const shape = `{"data": [[${model.features.join(', ')}], ...]}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { error: `the body is not valid JSON (${(err as Error).message}); send ${shape}` };
  }
  if (typeof body !== 'object' || body === null || !('data' in body))
    return { error: `the body must be a JSON object with a "data" field: ${shape}` };
  const data = (body as { data: unknown }).data;
  if (!Array.isArray(data) || data.length === 0)
    return { error: `"data" must be a non-empty list of rows: ${shape}` };
  if (data.length > MAX_ROWS)
    return { error: `"data" holds ${data.length} rows; send at most ${MAX_ROWS} per request` };
  const rows: number[][] = [];
  for (const [i, raw] of data.entries()) {
    // A row is a list in feature order, or an object keyed by feature name.
    const row = Array.isArray(raw)
      ? raw
      : typeof raw === 'object' && raw !== null
        ? model.features.map((f) => (raw as Record<string, unknown>)[f])
        : undefined;
    if (!row || row.length !== model.features.length)
      return {
        error: `data[${i}] must hold ${model.features.length} numbers (${model.features.join(', ')}), got ${JSON.stringify(raw)}`,
      };
    for (const [j, v] of row.entries()) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        return {
          error: `data[${i}][${j}] (${model.features[j]}) must be a finite number, got ${JSON.stringify(v) ?? 'nothing'}`,
        };
    }
    rows.push(row as number[]);
  }
  return { rows };
}
