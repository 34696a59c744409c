import type { FerryClient, PeerPresence, Presence, RecordHandle } from '@ferry/core';
import type { View } from '../dom.js';
import type { Identity } from '../identity.js';

/**
 * Shares who is editing a record and where, and shows the others: "Ben is editing (Body)". Each field of
 * `form` the user enters is announced, so the others can see who is in which field.
 */
export function presenceBar(
  client: FerryClient,
  record: RecordHandle,
  me: Identity,
  form: HTMLElement,
): View {
  const element = document.createElement('div');
  element.className = 'presence';
  if (!client.sync) return { element, dispose() {} };
  const presence: Presence = record.presence();
  presence.set({ user: me.name, color: me.color, field: null });
  const onFocus = (event: FocusEvent) => presence.update({ field: labelOf(event.target as HTMLElement) });
  const onBlur = () => presence.update({ field: null });
  form.addEventListener('focusin', onFocus);
  form.addEventListener('focusout', onBlur);

  const render = (others: readonly PeerPresence[]) => {
    const people = others.filter((peer) => typeof peer.state.user === 'string');
    element.dataset.others = people.map((peer) => peer.state.user).join(',');
    element.replaceChildren(
      ...people.map((peer) => {
        const chip = document.createElement('span');
        chip.className = 'person';
        chip.style.setProperty('--person', String(peer.state.color ?? '#888'));
        const where = typeof peer.state.field === 'string' ? ` (${peer.state.field})` : '';
        chip.textContent = `${peer.state.user} is editing${where}`;
        return chip;
      }),
    );
  };
  render(presence.others);
  const off = presence.on('change', render);
  return {
    element,
    dispose() {
      off();
      form.removeEventListener('focusin', onFocus);
      form.removeEventListener('focusout', onBlur);
      presence.leave();
    },
  };
}

/** What a person calls the field: its label, else its accessible name, else its name. */
function labelOf(control: HTMLElement): string | null {
  const label = control.closest('label')?.querySelector('span')?.textContent;
  return label || control.getAttribute('aria-label') || control.getAttribute('name');
}
