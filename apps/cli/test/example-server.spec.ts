import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningServer, runIrisServerToExit, startIrisServer } from './helpers/iris-server.ts';

const setosa = [5.1, 3.5, 1.4, 0.2];
const virginica = [6.7, 3.0, 5.2, 2.3];

describe('the iris scoring server (bundled model)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startIrisServer();
  });
  afterAll(() => server.stop());

  test('GET / answers Healthy', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Healthy');
  });

  test('POST /score classifies rows and gives probabilities per class', async () => {
    const res = await fetch(`${server.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [setosa, virginica] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: string[]; probabilities: number[][]; classes: string[] };
    expect(body.result).toEqual(['setosa', 'virginica']);
    expect(body.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    for (const p of body.probabilities) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  test('the AKS form of the URI reaches the same routes', async () => {
    const res = await fetch(`${server.url}/api/v1/service/iris-prod/score`, {
      method: 'POST',
      body: JSON.stringify({ data: [setosa] }),
    });
    expect(((await res.json()) as { result: string[] }).result).toEqual(['setosa']);
  });

  test('request ids are echoed, and one log line is written per request', async () => {
    const res = await fetch(`${server.url}/`, { headers: { 'x-ms-client-request-id': 'req-42' } });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    expect(res.headers.get('x-ms-client-request-id')).toBe('req-42');
    await expect.poll(() => server.output()).toMatch(/GET \/ 200 [\d.]+ms request-id=req-42/);
    const fresh = await fetch(`${server.url}/`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test.each([
    ['not json', 'not valid JSON'],
    [JSON.stringify({ rows: [setosa] }), 'a "data" field'],
    [JSON.stringify({ data: [] }), 'non-empty list of rows'],
    [JSON.stringify({ data: [[1, 2, 3]] }), 'data[0] must hold 4 numbers'],
    [JSON.stringify({ data: [setosa, [1, 'x', 3, 4]] }), 'data[1][1] (sepal_width) must be a finite number'],
  ])('bad input %s gets 400 with a message saying what to fix', async (body, message) => {
    const res = await fetch(`${server.url}/score`, { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(message);
  });

  test('GET /swagger.json describes /score in OpenAPI 2', async () => {
    const doc = (await (await fetch(`${server.url}/swagger.json`)).json()) as {
      swagger: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.swagger).toBe('2.0');
    expect(doc.paths['/score']?.post).toBeDefined();
    expect(doc.paths['/']?.get).toBeDefined();
  });

  test('wrong methods and unknown routes are refused clearly', async () => {
    const get = await fetch(`${server.url}/score`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});

describe('key auth', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startIrisServer({ SCORING_KEYS: 'primary-key-1, secondary-key-2' });
  });
  afterAll(() => server.stop());

  const score = (auth?: string) =>
    fetch(`${server.url}/score`, {
      method: 'POST',
      headers: auth ? { authorization: auth } : {},
      body: JSON.stringify({ data: [setosa] }),
    });

  test('without a key, or with a wrong one, /score answers 401', async () => {
    expect((await score()).status).toBe(401);
    expect((await score('Bearer wrong')).status).toBe(401);
  });

  test('either key is accepted; health needs none; keys never reach the log', async () => {
    expect((await score('Bearer primary-key-1')).status).toBe(200);
    expect((await score('Bearer secondary-key-2')).status).toBe(200);
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    expect(server.output()).not.toContain('primary-key-1');
  });
});

describe('fault hooks', () => {
  test('crash-on-start exits 1 with a log line', async () => {
    const { code, output } = await runIrisServerToExit({ DOVE_FAULT: 'crash-on-start' });
    expect(code).toBe(1);
    expect(output).toContain('crashing on start on purpose');
  });

  test('score-500 answers /score with 500 and stays healthy', async () => {
    const server = await startIrisServer({ DOVE_FAULT: 'score-500' });
    try {
      expect((await fetch(`${server.url}/score`, { method: 'POST', body: '{}' })).status).toBe(500);
      expect((await fetch(`${server.url}/`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test('slow-health keeps the health check waiting', async () => {
    const server = await startIrisServer({ DOVE_FAULT: 'slow-health', DOVE_FAULT_DELAY_MS: '60000' });
    try {
      const res = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(500) }).catch((e: Error) => e);
      expect(res).toBeInstanceOf(Error);
    } finally {
      await server.stop();
    }
  });

  test('an unknown fault or a missing model folder is refused at start', async () => {
    expect((await runIrisServerToExit({ DOVE_FAULT: 'explode' })).output).toContain('not a known fault');
    const missing = await runIrisServerToExit({ MODEL_PATH: '/nonexistent/model' });
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('refusing to serve: cannot read /nonexistent/model/model.json');
  });
});
