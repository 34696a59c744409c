import { describe, expect, it } from 'vitest';
import { KeyedEmitter } from '../src/util/KeyedEmitter.js';

describe('KeyedEmitter', () => {
  it('tells each listener of its own key only, until it unsubscribes', () => {
    const emitter = new KeyedEmitter<string>();
    const heard: string[] = [];
    const offA = emitter.on('notes/a', (status) => heard.push(`a:${status}`));
    emitter.on('notes/b', (status) => heard.push(`b:${status}`));
    emitter.emit('notes/a', 'sent');
    emitter.emit('notes/b', 'saved');
    emitter.emit('notes/c', 'local');
    offA();
    emitter.emit('notes/a', 'saved');
    expect(heard).toEqual(['a:sent', 'b:saved']);
  });

  it('keeps telling the others when a listener throws', () => {
    const errors: unknown[] = [];
    const emitter = new KeyedEmitter<number>((error) => errors.push(error));
    const heard: number[] = [];
    emitter.on('k', () => {
      throw new Error('listener failed');
    });
    emitter.on('k', (value) => heard.push(value));
    emitter.emit('k', 1);
    expect(heard).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it('a listener added again after its key emptied is heard', () => {
    const emitter = new KeyedEmitter<number>();
    const heard: number[] = [];
    emitter.on('k', () => heard.push(0))();
    const off = emitter.on('k', (value) => heard.push(value));
    emitter.emit('k', 2);
    off();
    emitter.emit('k', 3);
    expect(heard).toEqual([2]);
  });
});
