import type { App } from '../app.js';
import type { Message } from '../schema.js';

/** Creates a draft from this device's user. Works offline like everything else. */
export function newDraft(
  app: App,
  fields: { to?: string[]; subject?: string; body?: string } = {},
): Promise<Message> {
  return app.messages.create({ state: 'draft', from: app.me.email, ...fields });
}
