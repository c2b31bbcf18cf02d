import { describe, expect, it } from 'vitest';
import { nodeTopic, testHost } from '../../../tests/helpers/host-context.ts';
import { nodeBirth } from '../../../tests/helpers/sparkplug-messages.ts';
import { handleNbirth } from './nbirth.ts';
import { handleNdata } from './ndata.ts';

describe('NDATA', () => {
  it('stores nothing, follows the seq, and asks for a rebirth on an alias the NBIRTH did not teach', async () => {
    const host = testHost();
    handleNbirth(host.ctx, nodeTopic('NBIRTH'), nodeBirth(1));
    handleNdata(host.ctx, nodeTopic('NDATA'), { timestamp: 1, seq: 1, metrics: [{ name: 'Node Control/Rebirth', datatype: 'Boolean', value: false }] });
    expect(host.rebirths).toEqual([]);
    handleNdata(host.ctx, nodeTopic('NDATA'), { timestamp: 2, seq: 2, metrics: [{ alias: 99, datatype: 'Double', value: 1 }] });
    await host.settle();
    expect(host.store.points).toEqual([]);
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_ALIAS: 1 });
    expect(host.rebirths).toEqual(['spBv1.0/city/NCMD/edge1']);
  });

  it('asks a node it has not seen born for a rebirth', () => {
    const host = testHost();
    handleNdata(host.ctx, nodeTopic('NDATA'), { timestamp: 1, seq: 5, metrics: [] });
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_NO_BIRTH: 1 });
    expect(host.rebirths).toEqual(['spBv1.0/city/NCMD/edge1']);
  });
});
