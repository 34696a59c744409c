import type { App } from './app.js';

/**
 * Sends what waits in my outbox. There is no mail server behind this example: a message is "sent" once the
 * relay has committed it, which happens as soon as this device is online. It then moves to Sent, and the
 * recipients' devices, which may read it (see `rules.js`), show it in their inbox.
 */
export function startSending(app: App): () => void {
  const sync = app.client.sync;
  if (!sync) return () => {};
  const send = () => {
    if (sync.status.connection !== 'online') return;
    for (const message of app.messages.list()) {
      const { state, from } = message.value;
      // A recipient of a draft holds it too; only the sender's device sends it.
      if (state === 'outbox' && from === app.me.email && message.status === 'saved') {
        void message.update({ state: 'sent', sentAt: new Date() });
      }
    }
  };
  const offRecord = sync.on('record', ({ name, status }) => {
    if (status === 'saved' && name.startsWith(`${app.messages.name}/`)) send();
  });
  const offStatus = sync.on('status', send);
  send();
  return () => {
    offRecord();
    offStatus();
  };
}
