import { expect, test } from 'vitest';
import { deriveDnsLabel, deriveGroupName } from './names.ts';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test('derived group names follow Azure rules, long ones cut with a stable hash', () => {
  expect(deriveGroupName('iris-classifier', 'dev')).toBe('iris-classifier-dev');
  expect(deriveGroupName('Iris__Model', 'Prod-')).toBe('iris-model-prod');
  const long = deriveGroupName('m'.repeat(80), 'staging');
  expect(long.length).toBeLessThanOrEqual(63);
  expect(long).toMatch(NAME);
  expect(long).toBe(deriveGroupName('m'.repeat(80), 'staging'));
  expect(long).not.toBe(deriveGroupName('m'.repeat(81), 'staging'));
});

test('derived DNS labels are unique per subscription and resource group, start with a letter', () => {
  const a = deriveDnsLabel('iris-dev', 'sub-1', 'rg');
  expect(a).toMatch(/^iris-dev-[0-9a-f]{6}$/);
  expect(deriveDnsLabel('iris-dev', 'sub-2', 'rg')).not.toBe(a);
  expect(deriveDnsLabel('iris-dev', 'sub-1', 'RG')).toBe(a);
  expect(deriveDnsLabel('1-model', 's', 'r')).toMatch(/^[a-z]/);
  expect(deriveDnsLabel('x'.repeat(63), 's', 'r').length).toBeLessThanOrEqual(63);
});
