import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../../model/errors.ts';
import { LoginThrottle, type LoginAttempt } from './login-throttle.ts';

const code = (run: () => LoginAttempt): string | undefined => {
  try {
    run();
    return undefined;
  } catch (e) {
    return e instanceof HeatScadaError ? e.code : 'not a HeatScadaError';
  }
};

describe('LoginThrottle', () => {
  it('locks a name for an address after its failures there, until the window ends; a success there clears it', () => {
    let now = 0;
    const throttle = new LoginThrottle({ perAddress: 100, perUser: 2, perUserTotal: 100, windowS: 60 }, () => now);
    throttle.attempt('a1', 'alice');
    throttle.attempt('a1', 'alice');
    expect(code(() => throttle.attempt('a1', 'alice'))).toBe('HS_ERR_AUTH_RATE');
    // The owner elsewhere, and other names from a1, are not locked out.
    expect(code(() => throttle.attempt('a2', 'alice'))).toBeUndefined();
    expect(code(() => throttle.attempt('a1', 'bob'))).toBeUndefined();
    now = 60_000;
    throttle.attempt('a1', 'alice');
    throttle.attempt('a1', 'alice').succeeded();
    throttle.attempt('a1', 'alice');
    expect(code(() => throttle.attempt('a1', 'alice'))).toBeUndefined();
  });

  it('counts an attempt before its outcome is known; a right one is taken back', () => {
    const throttle = new LoginThrottle({ perAddress: 3, perUser: 100, perUserTotal: 100, windowS: 60 }, () => 0);
    const pending = [throttle.attempt('a1', 'alice'), throttle.attempt('a1', 'alice'), throttle.attempt('a1', 'alice')];
    expect(code(() => throttle.attempt('a1', 'alice'))).toBe('HS_ERR_AUTH_RATE');
    pending[0].succeeded();
    expect(code(() => throttle.attempt('a1', 'alice'))).toBeUndefined();
    // A person signing in often from one address is never locked: only failures stay counted.
    for (let i = 0; i < 10; i++) throttle.attempt('a2', 'bob').succeeded();
    expect(code(() => throttle.attempt('a2', 'bob'))).toBeUndefined();
  });

  it('locks an address after failures over many names', () => {
    const throttle = new LoginThrottle({ perAddress: 3, perUser: 100, perUserTotal: 100, windowS: 60 }, () => 0);
    for (const name of ['a', 'b', 'c']) throttle.attempt('10.0.0.1', name);
    expect(code(() => throttle.attempt('10.0.0.1', 'd'))).toBe('HS_ERR_AUTH_RATE');
    expect(code(() => throttle.attempt('10.0.0.2', 'd'))).toBeUndefined();
  });

  it('a name guessed at from many addresses gives each address one try; one that has not failed still gets in', () => {
    const throttle = new LoginThrottle({ perAddress: 100, perUser: 5, perUserTotal: 3, windowS: 60 }, () => 0);
    for (const address of ['b1', 'b2', 'b3']) throttle.attempt(address, 'admin');
    for (const address of ['b1', 'b2', 'b3']) expect(code(() => throttle.attempt(address, 'admin'))).toBe('HS_ERR_AUTH_RATE');
    throttle.attempt('b4', 'admin');
    expect(code(() => throttle.attempt('b4', 'admin'))).toBe('HS_ERR_AUTH_RATE');
    expect(code(() => throttle.attempt('control-room', 'admin'))).toBeUndefined();
  });
});
