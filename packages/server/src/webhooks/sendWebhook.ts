import type { Webhook as Signer } from 'standardwebhooks';
import type { WebhookOptions, WebhookPayload } from './Webhook.js';

export class WebhookFailed extends Error {}

/**
 * Posts one batch, signed. `id` names the batch and stays the same on every retry, so a receiver can
 * drop a batch it already processed. Resolves on a 2xx answer; throws WebhookFailed otherwise.
 */
export async function sendWebhook(
  options: WebhookOptions,
  signer: Signer,
  id: string,
  data: WebhookPayload['data'],
  signal: AbortSignal,
): Promise<void> {
  const now = new Date();
  const body = JSON.stringify({
    type: 'ferry.changes',
    timestamp: now.toISOString(),
    data,
  } satisfies WebhookPayload);
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(id, now, body),
      },
      body,
      // A redirect is not an answer: the batch is tried again, at the configured URL.
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]),
    });
  } catch (error) {
    throw new WebhookFailed(`could not reach ${options.url}: ${(error as Error).message}`, { cause: error });
  }
  // The body is not used; read it so the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) {
    throw new WebhookFailed(`${options.url} answered ${response.status}`);
  }
}
