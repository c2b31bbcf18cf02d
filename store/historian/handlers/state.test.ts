import { describe, expect, it } from 'vitest';
import { testHost } from '../../../tests/helpers/host-context.ts';
import { encodeState, handleState } from './state.ts';

describe('STATE', () => {
  it("says online again on seeing its own offline STATE, and ignores other hosts'", () => {
    const host = testHost();
    handleState(host.ctx, { kind: 'state', hostId: 'other' }, encodeState({ online: false, timestamp: 1 }));
    handleState(host.ctx, { kind: 'state', hostId: host.ctx.hostId }, encodeState({ online: true, timestamp: 1 }));
    expect(host.reasserted()).toBe(0);
    handleState(host.ctx, { kind: 'state', hostId: host.ctx.hostId }, encodeState({ online: false, timestamp: 1 }));
    expect(host.reasserted()).toBe(1);
  });

  it('counts a STATE that is not the JSON of Sparkplug 3.0', () => {
    const host = testHost();
    handleState(host.ctx, { kind: 'state', hostId: 'h' }, Buffer.from('ONLINE'));
    handleState(host.ctx, { kind: 'state', hostId: 'h' }, Buffer.from('{"online":"yes"}'));
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_DECODE: 2 });
  });
});
