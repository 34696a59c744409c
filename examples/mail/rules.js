/**
 * Who may see and change what in the mail example, as the relay's record rules: a message is read and
 * written only by its sender (`from`) and its recipients (`to`), whatever state it is in. A draft is thus
 * shared with the people named on it (so they can write it together), and a sent message reaches the
 * recipients' devices. Contacts have no rule: the address book is shared by everyone on the relay.
 *
 * The relay asks a write rule of the record before and after each change, so nobody can write themselves
 * onto someone else's message, and a recipient who takes themselves off a draft is refused.
 *
 * Used by `ferry serve --rules examples/mail/rules.js` and by the example's tests (`createRelay({ rules })`).
 */

/**
 * Whether the user is the sender or a recipient. The relay may read fields without the schema, so a list
 * nobody has filled yet can be missing: only what is there counts.
 *
 * @param {{ id: string }} user
 * @param {Readonly<Record<string, unknown>>} message
 * @returns {boolean}
 */
export function isOnMessage(user, message) {
  const to = Array.isArray(message.to) ? message.to : [];
  return message.from === user.id || to.includes(user.id);
}

/** @type {import('@ferry/server').Rules} */
const rules = {
  messages: {
    read: isOnMessage,
    write: isOnMessage,
  },
};

export default rules;
