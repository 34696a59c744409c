import type { Conflict } from '@ferry/core';
import type { App } from '../app.js';
import { h } from '../dom.js';
import { go } from '../router.js';

/**
 * Tells the user when a merge hid something they wrote in a draft: most often, the draft's sender
 * discarded it while they were writing in it offline. One line per conflict, with the two ways out.
 */
export function showConflicts(app: App, banner: HTMLElement): void {
  const render = () => {
    const open = app.messages.conflicts();
    banner.hidden = open.length === 0;
    banner.replaceChildren(...open.map((conflict) => line(conflict, render)));
  };
  app.messages.on('conflict', render);
  render();
}

function line(conflict: Conflict, done: () => void): HTMLElement {
  const answer = (resolve: () => Promise<void>) => () => void resolve().then(done);
  if (conflict.kind === 'delete') {
    const subject = String((conflict.local.value as { subject?: string }).subject || 'a draft');
    const keep = h('button', { type: 'button', class: 'keep' }, 'Keep it');
    const drop = h('button', { type: 'button', class: 'drop' }, 'Let it go');
    keep.addEventListener(
      'click',
      answer(async () => {
        await conflict.resolve('restore');
        go({ section: 'drafts', id: conflict.id });
      }),
    );
    drop.addEventListener(
      'click',
      answer(() => conflict.resolve('delete')),
    );
    return h(
      'p',
      { class: 'conflict', 'data-id': conflict.id, 'data-kind': 'delete' },
      `${conflict.remote.by} discarded “${subject}” while you were writing in it.`,
      keep,
      drop,
    );
  }
  const mine = h('button', { type: 'button', class: 'keep' }, 'Keep mine');
  const theirs = h('button', { type: 'button', class: 'drop' }, 'Keep theirs');
  mine.addEventListener(
    'click',
    answer(() => conflict.resolve(conflict.local.value)),
  );
  theirs.addEventListener(
    'click',
    answer(() => conflict.resolve(conflict.remote.value)),
  );
  return h(
    'p',
    { class: 'conflict', 'data-id': conflict.id, 'data-kind': 'write' },
    `${conflict.remote.by} changed ${conflict.field} to “${String(conflict.remote.value)}” over your “${String(conflict.local.value)}”.`,
    mine,
    theirs,
  );
}
