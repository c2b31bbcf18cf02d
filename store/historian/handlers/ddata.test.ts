import { beforeEach, describe, expect, it } from 'vitest';
import { deviceTopic, EDGE, GROUP, nodeTopic, testHost, type TestHost } from '../../../tests/helpers/host-context.ts';
import { dataMetric, deviceBirth, deviceData, nodeBirth } from '../../../tests/helpers/sparkplug-messages.ts';
import { handleDbirth } from './dbirth.ts';
import { handleDdata } from './ddata.ts';
import { handleNbirth } from './nbirth.ts';

const S1 = deviceTopic('DDATA', 's1');

function born(host: TestHost): void {
  handleNbirth(host.ctx, nodeTopic('NBIRTH'), nodeBirth(1));
  handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1'), deviceBirth(0, 1, { 'primary.flow': 1, 'pump.running': true, 'control.mode': 1 }));
}

describe('DDATA', () => {
  let host: TestHost;
  beforeEach(async () => {
    host = testHost();
    born(host);
    await host.settle();
    host.store.points.length = 0;
  });

  it('turns metrics into points: tag by alias, metric or payload timestamp, quality, historical', async () => {
    handleDdata(
      host.ctx,
      S1,
      deviceData(
        2,
        [
          dataMetric(0, 'primary.flow', 123.4, { timestamp: 900 }),
          dataMetric(0, 'pump.running', false, { quality: 64 }),
          dataMetric(0, 'control.mode', 2, { timestamp: 800, quality: 0, historical: true }),
        ],
        1000,
      ),
    );
    await host.settle();
    expect(host.store.points).toEqual([
      { substation: 's1', tag: 'primary.flow', ts: 900, value: 123.4, quality: 'good', historical: false },
      { substation: 's1', tag: 'pump.running', ts: 1000, value: false, quality: 'uncertain', historical: false },
      { substation: 's1', tag: 'control.mode', ts: 800, value: 2, quality: 'bad', historical: true },
    ]);
  });

  it('counts unknown aliases and wrong types but writes the good metrics of the same message', async () => {
    handleDdata(
      host.ctx,
      S1,
      deviceData(2, [
        dataMetric(0, 'primary.flow', 'fast'),
        dataMetric(0, 'primary.flow', true),
        dataMetric(0, 'pump.running', 1),
        { alias: 4000, datatype: 'Double', value: 1 },
        dataMetric(0, 'primary.flow', 55),
        dataMetric(0, 'primary.flow', Number.NaN),
      ]),
    );
    await host.settle();
    expect(host.store.points.map((p) => [p.tag, p.value])).toEqual([['primary.flow', 55]]);
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_TYPE: 4, HS_ERR_SPARKPLUG_ALIAS: 1 });
    expect(host.rebirths).toEqual([`spBv1.0/${GROUP}/NCMD/${EDGE}`]);
  });

  it('counts a metric whose timestamp is no time (the store would refuse its whole batch)', async () => {
    handleDdata(host.ctx, S1, deviceData(2, [dataMetric(0, 'primary.flow', 1, { timestamp: 2 ** 63 }), dataMetric(0, 'primary.flow', 2, { timestamp: 5000 })]));
    await host.settle();
    expect(host.store.points.map((p) => [p.ts, p.value])).toEqual([[5000, 2]]);
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_TIMESTAMP: 1 });
  });

  it('skips null values without calling them malformed', async () => {
    handleDdata(host.ctx, S1, deviceData(2, [{ ...dataMetric(0, 'primary.flow', 1), value: null }]));
    await host.settle();
    expect(host.store.points).toEqual([]);
    expect(host.ctx.events.nulls).toBe(1);
    expect(host.ctx.counters.snapshot()).toEqual({});
  });

  it('asks for a rebirth on a seq gap (once per hold-off) and still stores the data; 255 wraps to 0', async () => {
    handleDdata(host.ctx, S1, deviceData(5, [dataMetric(0, 'primary.flow', 5)]));
    handleDdata(host.ctx, S1, deviceData(9, [dataMetric(0, 'primary.flow', 9)]));
    await host.settle();
    expect(host.store.points.map((p) => p.value)).toEqual([5, 9]);
    expect(host.ctx.counters.get('HS_ERR_SPARKPLUG_SEQ')).toBe(2);
    expect(host.rebirths).toHaveLength(1);

    const session = host.ctx.sessions.get(GROUP, EDGE);
    if (session) session.seq = 254;
    handleDdata(host.ctx, S1, deviceData(255, [dataMetric(0, 'primary.flow', 1)]));
    handleDdata(host.ctx, S1, deviceData(0, [dataMetric(0, 'primary.flow', 1)]));
    expect(host.ctx.counters.get('HS_ERR_SPARKPLUG_SEQ')).toBe(2);
  });

  it('does not check seq when the data subscription is shared', () => {
    const shared = testHost({ checkSeq: false });
    born(shared);
    handleDdata(shared.ctx, S1, deviceData(40, [dataMetric(0, 'primary.flow', 1)]));
    expect(shared.ctx.counters.snapshot()).toEqual({});
    expect(shared.rebirths).toEqual([]);
  });

  it('asks for a rebirth when the device was never born', async () => {
    handleDdata(host.ctx, deviceTopic('DDATA', 's9'), deviceData(2, [dataMetric(3, 'primary.flow', 1)]));
    await host.settle();
    expect(host.store.points).toEqual([]);
    expect(host.ctx.counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_NO_BIRTH: 1 });
    expect(host.rebirths).toHaveLength(1);
  });
});
