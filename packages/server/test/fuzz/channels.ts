/**
 * The fuzzer's ways into the relay (/sync, /y/ and REST), each step ending in an Observation: what the
 * relay answered, and whether that answer is one a relay must never give to any input (a 5xx, a record
 * that fails to load, a close for an internal error, no answer at all).
 */

import { Agent, request as httpRequest } from 'node:http';
import {
  type ClientMessage,
  CloseCode,
  DocumentErrorCode,
  decodeServerMessage,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@ferry/core';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { FuzzSocket, type Wait } from './FuzzSocket.js';
import { driverWork } from './Meter.js';

export interface Observation {
  readonly step: string;
  readonly outcome: string;
  /** Set when the answer shows a fault of the relay, whatever the input. */
  readonly bad?: string;
  /** The relay did not answer in time: frozen, or a request it dropped. */
  readonly timedOut?: boolean;
}

export interface Target {
  /** Opens a WebSocket at `path` (`/sync`, `/y/<name>`): a socket, the status of a refused upgrade, or no answer. */
  readonly openSocket: (path: string) => Promise<FuzzSocket | { refused: number } | 'timeout'>;
  /** Where REST requests go (`http://127.0.0.1:port`). */
  readonly httpUrl: string;
  readonly timeoutMs: number;
}

const message = (frame: Uint8Array): ServerMessage | undefined => {
  try {
    return decodeServerMessage(frame).message;
  } catch {
    return undefined;
  }
};

/** Close codes that mean the relay failed, not the input. */
const FAULT_CLOSES = new Set<number>([CloseCode.ServerError, 1011]);

function closedObservation(step: string, wait: Wait<unknown> & { outcome: 'closed' }): Observation {
  const outcome = `closed ${wait.code} ${wait.reason}`.trim();
  return FAULT_CLOSES.has(wait.code) ? { step, outcome, bad: outcome } : { step, outcome };
}

function waitObservation<T>(step: string, wait: Wait<T>, describe: (value: T) => Observation): Observation {
  if (wait.outcome === 'timeout') return { step, outcome: 'no answer', timedOut: true };
  if (wait.outcome === 'closed') return closedObservation(step, wait);
  return describe(wait.value);
}

// ---- /sync ----

export class SyncSession {
  #seq = 0;
  private constructor(
    readonly socket: FuzzSocket,
    readonly target: Target,
  ) {}

  /** Connects and says Hello; an observation instead if that failed. */
  static async open(target: Target): Promise<SyncSession | Observation> {
    const socket = await target.openSocket('/sync');
    if (socket === 'timeout') return { step: '/sync open', outcome: 'no answer', timedOut: true };
    if (!(socket instanceof FuzzSocket)) return upgradeRefused('/sync open', socket.refused);
    const session = new SyncSession(socket, target);
    session.send({ type: 'hello', version: PROTOCOL_VERSION, token: '' });
    const welcome = await socket.waitFor(
      (f) => (message(f)?.type === 'welcome' ? true : undefined),
      target.timeoutMs,
    );
    if (welcome.outcome !== 'answered') {
      socket.terminate();
      return waitObservation('/sync hello', welcome, () => ({ step: '', outcome: '' }));
    }
    return session;
  }

  send(m: ClientMessage): void {
    this.socket.send(driverWork(() => encodeClientMessage(m, ++this.#seq)));
  }

  async push(name: string, update: Uint8Array): Promise<Observation> {
    const id = this.#seq + 100;
    this.send({ type: 'push', id, items: [{ name, update }] });
    const wait = await this.socket.waitFor((f) => {
      const m = message(f);
      return m?.type === 'ack' && m.id === id ? m : undefined;
    }, this.target.timeoutMs);
    return waitObservation('/sync push', wait, (ack) => {
      const refused = ack.refused.map((r) => r.code);
      const outcome = refused.length ? `refused ${refused.join(',')}` : 'acknowledged';
      return transientRefusal(refused)
        ? { step: '/sync push', outcome, bad: outcome }
        : { step: '/sync push', outcome };
    });
  }

  /** Subscribes to one document; its answer must be the document's state, or a refusal that is not a fault. */
  async subscribe(name: string): Promise<Observation> {
    const id = this.#seq + 200;
    this.send({
      type: 'subscribe',
      id,
      collections: [],
      documents: [{ name, stateVector: new Uint8Array([0]) }],
    });
    const wait = await this.socket.waitFor((f) => {
      const m = message(f);
      if (m?.type === 'document-error' && m.name === name) return m;
      return m?.type === 'sync' && m.id === id && m.done ? m : undefined;
    }, this.target.timeoutMs);
    return waitObservation('/sync subscribe', wait, (m) => {
      if (m.type === 'sync') return { step: '/sync subscribe', outcome: 'synced' };
      const outcome = `document-error ${m.code} ${m.message}`;
      return transientRefusal([m.code])
        ? { step: '/sync subscribe', outcome, bad: outcome }
        : { step: '/sync subscribe', outcome };
    });
  }

  /** Sends presence for a subscribed document; answered by a ping, or closed. */
  async awareness(name: string, update: Uint8Array): Promise<Observation> {
    this.send({ type: 'awareness', name, update });
    return this.ping('/sync awareness');
  }

  async ping(step = '/sync ping'): Promise<Observation> {
    const id = this.#seq + 300;
    this.send({ type: 'ping', id });
    const wait = await this.socket.waitFor((f) => {
      const m = message(f);
      return m?.type === 'pong' && m.id === id ? true : undefined;
    }, this.target.timeoutMs);
    return waitObservation(step, wait, () => ({ step, outcome: 'answered' }));
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Document errors a hostile input must never cause: the relay failing to load or store. */
const transientRefusal = (codes: number[]) =>
  codes.some((code) => code === DocumentErrorCode.LoadFailed || code === DocumentErrorCode.StorageFailed);

function upgradeRefused(step: string, status: number): Observation {
  const outcome = `upgrade refused ${status}`;
  return status === 0 || status >= 500 ? { step, outcome, bad: outcome } : { step, outcome };
}

// ---- /y/ (y-websocket) ----

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;

export function yFrame(type: number, sub: number | undefined, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  if (sub !== undefined) encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

export const yUpdateFrame = (update: Uint8Array, asStep2: boolean) =>
  yFrame(MESSAGE_SYNC, asStep2 ? SYNC_STEP_2 : 2, update);
export const yAwarenessFrame = (update: Uint8Array) => yFrame(MESSAGE_AWARENESS, undefined, update);

export class YSession {
  private constructor(
    readonly socket: FuzzSocket,
    readonly target: Target,
  ) {}

  /** Opens `/y/<name>` and waits for the relay's sync step 1 (the document loaded). */
  static async open(target: Target, name: string): Promise<YSession | Observation> {
    const socket = await target.openSocket(`/y/${name}`);
    if (socket === 'timeout') return { step: '/y/ open', outcome: 'no answer', timedOut: true };
    if (!(socket instanceof FuzzSocket)) return upgradeRefused('/y/ open', socket.refused);
    const first = await socket.waitFor(
      (f) => (f[0] === MESSAGE_SYNC && f[1] === SYNC_STEP_1 ? true : undefined),
      target.timeoutMs,
    );
    if (first.outcome !== 'answered') {
      socket.terminate();
      return waitObservation('/y/ open', first, () => ({ step: '', outcome: '' }));
    }
    return new YSession(socket, target);
  }

  send(frame: Uint8Array): void {
    this.socket.send(frame);
  }

  /** Asks for the whole document (sync step 1 with an empty state vector): answered with step 2, or closed. */
  async roundTrip(step: string): Promise<Observation> {
    const before = this.socket.frames.length;
    this.send(yFrame(MESSAGE_SYNC, SYNC_STEP_1, Y.encodeStateVector(new Y.Doc())));
    let seen = 0;
    const wait = await this.socket.waitFor(
      (f) => (seen++ >= before && f[0] === MESSAGE_SYNC && f[1] === SYNC_STEP_2 ? true : undefined),
      this.target.timeoutMs,
    );
    return waitObservation(step, wait, () => ({ step, outcome: 'answered' }));
  }

  close(): void {
    this.socket.terminate();
  }
}

// ---- REST ----

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: Uint8Array;
  readonly headers?: Record<string, string>;
}

export interface HttpAnswer {
  readonly observation: Observation;
  readonly status?: number;
  readonly json?: unknown;
}

/** Sends a request; a 5xx, or a 4xx without a JSON error saying what was wrong, is a fault. */
export async function http(
  target: Target,
  request: HttpRequest,
  step = `${request.method} ${request.path.slice(0, 120)}`,
): Promise<HttpAnswer> {
  let answer: { status: number; text: string } | 'timeout';
  try {
    answer = await request1(target, request);
  } catch (error) {
    return {
      observation: { step, outcome: `failed: ${(error as Error).message}`, bad: 'connection failed' },
    };
  }
  if (answer === 'timeout') return { observation: { step, outcome: 'no answer', timedOut: true } };
  const { status, text } = answer;
  const json = driverWork((): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  });
  const outcome = `${status}`;
  if (status >= 500)
    return {
      observation: { step, outcome, bad: `${outcome} ${text.slice(0, 200)}` },
      status: status,
    };
  if (status >= 400 && !isErrorBody(json))
    return {
      observation: { step, outcome, bad: `${outcome} without a JSON error: ${text.slice(0, 100)}` },
      status: status,
    };
  return { observation: { step, outcome }, status: status, json };
}

const isErrorBody = (json: unknown) =>
  typeof json === 'object' &&
  json !== null &&
  typeof (json as { error?: { message?: unknown } }).error?.message === 'string';

/** Kept-alive connections: a request costs the relay its parsing and handling, not a TCP handshake. */
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One request with node:http (lighter than fetch, so the relay's share of the thread is larger). */
function request1(
  target: Target,
  request: HttpRequest,
): Promise<{ status: number; text: string } | 'timeout'> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(target.httpUrl + request.path, {
      method: request.method,
      headers: {
        ...request.headers,
        ...(request.body ? { 'content-length': String(request.body.byteLength) } : {}),
      },
      agent,
      timeout: target.timeoutMs,
    });
    outgoing.once('timeout', () => {
      outgoing.destroy();
      resolve('timeout');
    });
    outgoing.once('error', reject);
    outgoing.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', () => resolve('timeout'));
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.end(request.body);
  });
}
