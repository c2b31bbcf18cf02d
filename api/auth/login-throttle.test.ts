import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../../model/errors.ts';
import { LoginThrottle } from './login-throttle.ts';

const code = (run: () => void): string | undefined => {
  try {
    run();
    return undefined;
  } catch (e) {
    return e instanceof HeatScadaError ? e.code : 'not a HeatScadaError';
  }
};

describe('LoginThrottle', () => {
  it('locks a name after its failures, until the window ends; a success clears the name', () => {
    let now = 0;
    const throttle = new LoginThrottle({ perAddress: 100, perUser: 2, windowS: 60 }, () => now);
    throttle.failed('a1', 'alice');
    expect(code(() => throttle.check('a2', 'alice'))).toBeUndefined();
    throttle.failed('a2', 'alice');
    expect(code(() => throttle.check('a3', 'alice'))).toBe('HS_ERR_AUTH_RATE');
    expect(code(() => throttle.check('a3', 'bob'))).toBeUndefined();
    now = 60_000;
    expect(code(() => throttle.check('a3', 'alice'))).toBeUndefined();
    throttle.failed('a1', 'alice');
    throttle.succeeded('alice');
    throttle.failed('a1', 'alice');
    expect(code(() => throttle.check('a1', 'alice'))).toBeUndefined();
  });

  it('locks an address after failures over many names', () => {
    const throttle = new LoginThrottle({ perAddress: 3, perUser: 100, windowS: 60 }, () => 0);
    for (const name of ['a', 'b', 'c']) throttle.failed('10.0.0.1', name);
    expect(code(() => throttle.check('10.0.0.1', 'd'))).toBe('HS_ERR_AUTH_RATE');
    expect(code(() => throttle.check('10.0.0.2', 'd'))).toBeUndefined();
  });
});
