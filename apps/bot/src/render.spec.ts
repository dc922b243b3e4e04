import { expect, test } from 'vitest';
import { createMask } from './azure.ts';
import { type RunView, renderComment } from './render.ts';

const view = (over: Partial<RunView>): RunView => ({
  run: 'r1',
  command: '/deploy dev',
  requester: 'alice',
  phase: 'failed',
  headline: 'Deploy of `dev` failed',
  steps: [{ step: 'apply', status: 'failed', ms: 1200, message: 'x | y' }],
  notes: [],
  ...over,
});

test('secrets never reach the comment: known values, keys, SAS signatures and bearer tokens are masked', () => {
  const mask = createMask(['s3cr3t-client-value']);
  mask.add('key-from-a-target-0123');
  const body = renderComment(
    view({
      error: {
        code: 'DOVE_PROVISION_FAILED',
        message: [
          'login with s3cr3t-client-value failed',
          'HostName=h;SharedAccessKeyName=owner;SharedAccessKey=abcDEF123+/=',
          'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;',
          'https://acct.blob.core.windows.net/m/v1?sv=2024&sig=SIGNATUREvalue%3D&se=x',
          'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
          'scoring key key-from-a-target-0123',
        ].join('\n'),
        hint: 'check it',
      },
    }),
    mask.mask,
  );
  for (const leaked of [
    's3cr3t-client-value',
    'abcDEF123',
    'Zm9vYmFy',
    'SIGNATUREvalue',
    'eyJhbGciOiJIUzI1NiJ9',
    'key-from-a-target-0123',
  ])
    expect(body).not.toContain(leaked);
  expect(body).toContain('SharedAccessKey=***');
  expect(body).toContain('**Next step:** check it');
});

test('user text cannot break the table, a code span or the code block; huge output is cut below GitHub’s limit', () => {
  const span = renderComment(
    view({ command: '/lock dev --reason `x` @org/team [a](http://evil)' }),
    (s) => s,
  );
  expect(span).toContain("`/lock dev --reason 'x' @org/team [a](http://evil)` by @alice");
  const body = renderComment(
    view({ command: '/deploy dev | evil\n# heading', error: { code: 'X', message: '```\n<script>' } }),
    (s) => s,
  );
  expect(body).toContain('`/deploy dev | evil # heading` by @alice');
  expect(body).not.toMatch(/```\n<script>/);
  expect(body).toContain('| apply | ❌ | 1.2 s | x \\| y |');
  const huge = renderComment(view({ notes: ['x'.repeat(70_000)] }), (s) => s);
  expect(huge.length).toBeLessThan(65_536);
  expect(huge).toContain('<!-- dove-bot run=r1 -->');
});
