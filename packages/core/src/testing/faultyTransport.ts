import type { Transport, TransportConnection } from '../sync/Transport.js';
import type { Random } from './random.js';

/** How often each fault happens, per message (0 to 1). */
export interface FaultRates {
  drop?: number;
  duplicate?: number;
  /** Holds a message back and delivers it after the next one. */
  reorder?: number;
  /** Delivers a message a few milliseconds late. */
  delay?: number;
  /** Cuts the connection. */
  cut?: number;
}

export interface FaultCounts {
  messages: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  delayed: number;
  cuts: number;
}

/**
 * A transport that loses, repeats, reorders and delays messages and cuts connections, in both
 * directions, driven by a seeded PRNG, so that a failing run can be replayed. Set `rates` to {} to heal.
 */
export function faultyTransport(inner: Transport, random: Random, rates: FaultRates) {
  const counts: FaultCounts = { messages: 0, dropped: 0, duplicated: 0, reordered: 0, delayed: 0, cuts: 0 };
  const state = { rates };

  /** Passes messages through the faults; `deliver` is the real send or receive. */
  function pipe(deliver: (frame: Uint8Array) => void, cut: () => void) {
    let held: Uint8Array | undefined;
    return (frame: Uint8Array) => {
      const r = state.rates;
      counts.messages++;
      if (random.chance(r.cut ?? 0)) {
        counts.cuts++;
        cut();
        return;
      }
      if (random.chance(r.drop ?? 0)) {
        counts.dropped++;
        return;
      }
      const copies = random.chance(r.duplicate ?? 0) ? 2 : 1;
      if (copies === 2) counts.duplicated++;
      for (let i = 0; i < copies; i++) {
        if (!held && random.chance(r.reorder ?? 0)) {
          counts.reordered++;
          held = frame;
          continue;
        }
        if (random.chance(r.delay ?? 0)) {
          counts.delayed++;
          setTimeout(() => deliver(frame), random.int(1, 5));
        } else {
          deliver(frame);
        }
        if (held) {
          const late = held;
          held = undefined;
          deliver(late);
        }
      }
    };
  }

  const transport: Transport = {
    connect(url, events) {
      let connection: TransportConnection | undefined;
      let open = true;
      const cut = () => {
        if (!open) return;
        open = false;
        connection?.close(4000, 'cut by the fault injector');
      };
      const receive = pipe((frame) => open && events.message(frame), cut);
      connection = inner.connect(url, {
        open: () => events.open(),
        message: receive,
        close: (code, reason) => {
          open = false;
          events.close(code, reason);
        },
      });
      const send = pipe((frame) => open && connection!.send(frame), cut);
      return {
        send,
        close: (code, reason) => {
          open = false;
          connection!.close(code, reason);
        },
      };
    },
  };
  return {
    transport,
    counts,
    /** Changes the fault rates from now on ({} heals the link). */
    setRates(next: FaultRates) {
      state.rates = next;
    },
  };
}
