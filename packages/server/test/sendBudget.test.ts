import { describe, expect, it } from 'vitest';
import { type BufferedSender, SendBudget } from '../src/SendBudget.js';

/** A sender whose queue the test sets; it reports closes and drops to the budget as a connection does. */
class FakeSender implements BufferedSender {
  state: 'open' | 'closed' | 'dropped' = 'open';

  constructor(
    private readonly budget: SendBudget,
    public bufferedBytes = 0,
  ) {}

  send(bytes: number): void {
    this.bufferedBytes += bytes;
    this.budget.queued(this);
  }

  shed(): void {
    this.state = 'closed';
    this.budget.closing(this);
  }

  drop(): void {
    this.state = 'dropped';
    this.bufferedBytes = 0;
  }
}

describe('SendBudget', () => {
  it('closes the open senders holding the most until the rest fit, and no other', () => {
    const budget = new SendBudget(100);
    const [small, middle, large] = [new FakeSender(budget), new FakeSender(budget), new FakeSender(budget)];
    small.send(10);
    middle.send(40);
    large.send(45);
    expect(budget.totalBytes).toBe(95);
    large.send(20);
    expect([small.state, middle.state, large.state]).toEqual(['open', 'open', 'closed']);
    // What the closed one holds still counts until it is gone.
    expect(budget.totalBytes).toBe(115);
  });

  it('counts afresh before closing anyone: a sender that has read since is not closed', () => {
    const budget = new SendBudget(100);
    const reader = new FakeSender(budget);
    const other = new FakeSender(budget);
    reader.send(90);
    reader.bufferedBytes = 0; // its client read everything
    other.send(50);
    expect([reader.state, other.state]).toEqual(['open', 'open']);
    expect(budget.totalBytes).toBe(50);
  });

  it('ends closed senders at once, those holding the most first, when together they pass the budget', () => {
    const budget = new SendBudget(100);
    const senders = Array.from({ length: 4 }, () => new FakeSender(budget));
    for (const [i, sender] of senders.entries()) sender.send(60 + i);
    // Each time the open ones passed 100, the greediest was closed (61, 62, 63); once the closed ones passed
    // 100 together, the greediest of them was ended.
    expect(senders.map((s) => s.state)).toEqual(['open', 'closed', 'dropped', 'dropped']);
    expect(budget.totalBytes).toBeLessThanOrEqual(200);
  });

  it('forgets a sender once it is gone', () => {
    const budget = new SendBudget(100);
    const sender = new FakeSender(budget);
    sender.send(80);
    budget.gone(sender);
    expect(budget.totalBytes).toBe(0);
  });
});
