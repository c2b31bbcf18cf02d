import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceTopic, nodeTopic, testHost } from '../../../tests/helpers/host-context.ts';
import { dataMetric, deviceBirth, nodeBirth } from '../../../tests/helpers/sparkplug-messages.ts';
import { moveDevice } from '../owners.ts';
import { handleDbirth } from './dbirth.ts';
import { handleDdata } from './ddata.ts';
import { handleDdeath } from './ddeath.ts';
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

  it('of a device another edge node carries is refused, its data and death too, until the operator moves it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-owners-'));
    try {
      const file = path.join(dir, 'device-owners.json');
      const host = testHost({ deviceOwnersFile: file });
      for (const edge of ['edge1', 'edge2']) handleNbirth(host.ctx, nodeTopic('NBIRTH', edge), nodeBirth(1));
      handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1', 'edge1'), deviceBirth(0, 1, { 'primary.flow': 1 }, 5000));
      handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1', 'edge2'), deviceBirth(0, 1, { 'primary.flow': 2 }, 6000));
      handleDdata(host.ctx, deviceTopic('DDATA', 's1', 'edge2'), { timestamp: 6001, seq: 2, metrics: [dataMetric(0, 'primary.flow', 3)] });
      handleDdeath(host.ctx, deviceTopic('DDEATH', 's1', 'edge2'), { timestamp: 6002, seq: 3, metrics: [] });
      await host.settle();
      expect(host.store.points.map((p) => p.value)).toEqual([1]);
      expect(await host.store.statuses()).toEqual([{ substation: 's1', online: true, ts: 5000 }]);
      expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_DEVICE_OWNER: 3 });
      expect(host.rebirths).toEqual([]);

      moveDevice(file, 's1', 'city', 'edge2');
      handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1', 'edge2'), deviceBirth(0, 4, { 'primary.flow': 4 }, 7000));
      // The old node's data is a stranger's now; its births too.
      handleDdata(host.ctx, deviceTopic('DDATA', 's1', 'edge1'), { timestamp: 7001, seq: 2, metrics: [dataMetric(0, 'primary.flow', 5)] });
      handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1', 'edge1'), deviceBirth(0, 3, { 'primary.flow': 6 }, 7002));
      await host.settle();
      expect(host.store.points.map((p) => p.value)).toEqual([1, 4]);
      expect(host.ctx.owners.ownerOf('s1')).toBe('city/edge2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
