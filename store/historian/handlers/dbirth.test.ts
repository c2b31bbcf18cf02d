import { describe, expect, it } from 'vitest';
import { deviceTopic, nodeTopic, testHost } from '../../../tests/helpers/host-context.ts';
import { deviceBirth, nodeBirth } from '../../../tests/helpers/sparkplug-messages.ts';
import { handleDbirth } from './dbirth.ts';
import { handleNbirth } from './nbirth.ts';

describe('DBIRTH', () => {
  it('marks the substation online and stores the values it was born with', async () => {
    const host = testHost();
    handleNbirth(host.ctx, nodeTopic('NBIRTH'), nodeBirth(1));
    handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1'), deviceBirth(0, 1, { 'primary.supply_temp': 92.5, 'pump.running': true }, 5000));
    await host.settle();
    expect(await host.store.statuses()).toEqual([{ substation: 's1', online: true, ts: 5000 }]);
    expect(host.store.points).toEqual([
      { substation: 's1', tag: 'primary.supply_temp', ts: 5000, value: 92.5, quality: 'good', historical: false },
      { substation: 's1', tag: 'pump.running', ts: 5000, value: true, quality: 'good', historical: false },
    ]);
    expect(host.ctx.counters.snapshot()).toEqual({});
  });

  it('is not learned from a node it has not seen born', async () => {
    const host = testHost();
    handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1'), deviceBirth(0, 1, { 'primary.flow': 1 }));
    await host.settle();
    expect(host.store.points).toEqual([]);
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_NO_BIRTH: 1 });
    expect(host.rebirths).toHaveLength(1);
  });
});
