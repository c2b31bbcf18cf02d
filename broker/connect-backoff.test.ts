import { describe, expect, it } from 'vitest';
import { ConnectBackoff } from './connect-backoff.ts';

describe('ConnectBackoff', () => {
  it('lets an address fail freely a few times, then doubles its wait up to the cap; a success forgives', () => {
    let now = 0;
    const backoff = new ConnectBackoff({ freeFailures: 2, baseMs: 100, maxMs: 350 }, () => now);
    const waits = [];
    for (let i = 0; i < 5; i++) {
      backoff.failed('10.0.0.1');
      waits.push(backoff.waitMs('10.0.0.1'));
    }
    expect(waits).toEqual([0, 0, 100, 200, 350]);
    expect(backoff.waitMs('10.0.0.2')).toBe(0);
    now += 350;
    expect(backoff.waitMs('10.0.0.1')).toBe(0);
    // Still counted: the next failure waits at the cap again, until a success.
    backoff.failed('10.0.0.1');
    expect(backoff.waitMs('10.0.0.1')).toBe(350);
    backoff.succeeded('10.0.0.1');
    expect(backoff.waitMs('10.0.0.1')).toBe(0);
    backoff.failed('10.0.0.1');
    expect(backoff.waitMs('10.0.0.1')).toBe(0);
  });
});
