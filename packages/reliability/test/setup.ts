// Every test file: an unhandled rejection during a test fails that test.
import { afterEach } from 'vitest';
import { watchUnhandledRejections } from '../src/safety.ts';

const rejections = watchUnhandledRejections();
afterEach(() => {
  const seen = rejections.take();
  if (seen.length)
    throw new Error(
      `unhandled rejection(s) during the test:\n${seen.map((r) => (r as Error)?.stack ?? String(r)).join('\n')}`,
    );
});
