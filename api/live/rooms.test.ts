import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../../model/errors.ts';
import { parseRoomRequest } from './rooms.ts';

function failure(body: unknown): { code: string; path?: string } {
  try {
    parseRoomRequest(body);
  } catch (e) {
    if (e instanceof HeatScadaError) return e.toJSON();
  }
  throw new Error('expected a HeatScadaError');
}

describe('parseRoomRequest', () => {
  it('accepts the overview and a substation room', () => {
    expect(parseRoomRequest({ room: 'overview' })).toEqual({ room: 'overview' });
    expect(parseRoomRequest({ room: 'substation', id: 'S001', extra: 1 })).toEqual({ room: 'substation', id: 'S001' });
  });

  it.each([
    [undefined, 'room'],
    ['overview', 'room'],
    [{ room: 'kitchen' }, 'room'],
    [{ room: 'substation' }, 'id'],
    [{ room: 'substation', id: 7 }, 'id'],
    [{ room: 'substation', id: '' }, 'id'],
  ])('refuses %j naming %s', (body, path) => {
    expect(failure(body)).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path });
  });
});
