import { expect, test } from 'vitest';
import { sasForFile, withFileSas } from './sas.ts';

test('a per-file SAS map gives each file its own token', () => {
  const map = JSON.stringify({ 'manifest.json': 'sig=m', 'sub/w.bin': 'sig=w' });
  expect(sasForFile(map, 'manifest.json')).toBe('sig=m');
  expect(withFileSas('https://a/b/sub/w.bin', map, 'sub/w.bin')).toBe('https://a/b/sub/w.bin?sig=w');
  expect(() => sasForFile(map, 'other.bin')).toThrow(/DOVE_MODEL_SAS holds no token for other.bin/);
});

test('a plain query string is one token for every file; no token leaves the URL alone', () => {
  expect(sasForFile('?sv=1&sig=x', 'a.bin')).toBe('sv=1&sig=x');
  expect(withFileSas('https://a/b?x=1', 'sig=x', 'b')).toBe('https://a/b?x=1&sig=x');
  expect(withFileSas('https://a/b', undefined, 'b')).toBe('https://a/b');
});
