import { expect, test } from 'vitest';
import { fromAzureError, tagError } from '../src/errors.ts';

class PluginError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
    if (hint) this.hint = hint;
  }
}

test("a plugin's own coded error keeps its code and hint (not DOVE_INTERNAL)", () => {
  const e = tagError(new PluginError('ACI_SMOKE_FAILED', 'got 500', 'Fix the scoring code.'), 'dove:aci');
  expect(e).toMatchObject({
    code: 'ACI_SMOKE_FAILED',
    message: 'got 500',
    hint: 'Fix the scoring code.',
    target: 'dove:aci',
  });
  // Without a hint of its own, the catalogue has none for it either.
  expect(fromAzureError(new PluginError('EDGE_TIMEOUT', 'slow')).code).toBe('EDGE_TIMEOUT');
});

test("Node's and undici's error codes are not mistaken for a plugin's", () => {
  expect(fromAzureError(Object.assign(new Error('x'), { code: 'ERR_INVALID_URL' })).code).toBe(
    'DOVE_INTERNAL',
  );
  expect(fromAzureError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' })).code).toBe(
    'DOVE_INTERNAL',
  );
  expect(
    fromAzureError(Object.assign(new Error('x'), { code: 'ResourceNotFound', statusCode: 404 })).code,
  ).toBe('DOVE_NOT_FOUND');
});
