import { isCollectionName } from '@ferry/core';
import { Webhook as Signer } from 'standardwebhooks';
import type { WebhookOptions } from './Webhook.js';

/** Refuses a webhook that could never be delivered or verified, before the relay starts. */
export function checkWebhook(webhook: WebhookOptions): WebhookOptions {
  let url: URL;
  try {
    url = new URL(webhook.url);
  } catch {
    throw new TypeError(`Webhook URL "${webhook.url}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Webhook URL "${webhook.url}" must be http or https.`);
  }
  try {
    new Signer(webhook.secret);
  } catch {
    throw new TypeError(`The secret of webhook ${webhook.url} must be base64 (optionally after "whsec_").`);
  }
  if (webhook.collections.length === 0) {
    throw new TypeError(`Webhook ${webhook.url} names no collection.`);
  }
  for (const collection of webhook.collections) {
    if (!isCollectionName(collection)) {
      throw new TypeError(`Webhook ${webhook.url}: "${collection}" is not a collection name.`);
    }
  }
  return webhook;
}
