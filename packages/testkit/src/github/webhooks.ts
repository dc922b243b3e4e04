import { createHmac, randomUUID } from 'node:crypto';

/** GitHub's `X-Hub-Signature-256` for a body. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Delivers a webhook the way GitHub does: POST JSON with event, delivery id and signature headers. */
export async function deliverWebhook(
  url: string,
  event: { name: string; payload: unknown; secret: string; signature?: string },
): Promise<{ status: number; body: string; ms: number }> {
  const body = JSON.stringify(event.payload);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/dove-tests',
      'x-github-event': event.name,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': event.signature ?? signWebhook(event.secret, body),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}
