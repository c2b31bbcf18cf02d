import { describe, expect, it } from 'vitest';
import { deviceTopic, EDGE, GROUP, nodeTopic, testHost } from '../../../tests/helpers/host-context.ts';
import { dataMetric, deviceBirth, deviceData, nodeBirth } from '../../../tests/helpers/sparkplug-messages.ts';
import { handleDbirth } from './dbirth.ts';
import { handleDdata } from './ddata.ts';
import { handleDdeath } from './ddeath.ts';
import { handleNbirth } from './nbirth.ts';

describe('DDEATH', () => {
  it('marks the substation offline and forgets its aliases until the next DBIRTH', async () => {
    const host = testHost();
    handleNbirth(host.ctx, nodeTopic('NBIRTH'), nodeBirth(1));
    handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1'), deviceBirth(0, 1, { 'primary.flow': 1 }, 100));
    handleDdeath(host.ctx, deviceTopic('DDEATH', 's1'), { timestamp: 200, seq: 2, metrics: [] });
    await host.settle();
    expect(await host.store.statuses()).toEqual([{ substation: 's1', online: false, ts: 200 }]);
    expect(host.ctx.sessions.get(GROUP, EDGE)?.devices.size).toBe(0);
    handleDdata(host.ctx, deviceTopic('DDATA', 's1'), deviceData(3, [dataMetric(0, 'primary.flow', 2)]));
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_NO_BIRTH: 1 });
  });

  it('marks the substation offline even when the node was not seen born', async () => {
    const host = testHost();
    handleDdeath(host.ctx, deviceTopic('DDEATH', 's1'), { timestamp: 200, seq: 9, metrics: [] });
    await host.settle();
    expect(await host.store.statuses()).toEqual([{ substation: 's1', online: false, ts: 200 }]);
    expect(host.rebirths).toHaveLength(1);
  });
});
