import { describe, expect, it } from 'vitest';
import type { Point } from '../../model/point.ts';
import type { TagName } from '../../model/tags.ts';
import { stampSamples, type ReceivedSample } from './queued-samples.ts';

const RECEIVED = 1_800_000_000_000;
const sample = (tag: TagName, value: number, sampledAt: number | undefined, ts = RECEIVED): ReceivedSample => ({
  point: { substation: 'S1', tag, ts, value, quality: 'good' },
  sampledAt,
});
const times = (points: Point[], tag: TagName) => points.filter((p) => p.tag === tag).map((p) => [p.value, p.ts - RECEIVED]);

describe('samples of one publish', () => {
  it('a tag with one sample keeps its receipt time', () => {
    const points = stampSamples([sample('plc.heartbeat', 1, 5000), sample('primary.supply_temp', 95, 5000)], new Map());
    expect(points.map((p) => p.ts)).toEqual([RECEIVED, RECEIVED]);
  });

  it('places a late publish’s queued samples of a tag as far apart as the server took them, the newest at receipt', () => {
    // The server's clock runs an hour off: only its spacing counts.
    const hourOff = RECEIVED + 3_600_000;
    const points = stampSamples(
      [sample('plc.heartbeat', 10, hourOff - 1800), sample('primary.supply_temp', 95, hourOff), sample('plc.heartbeat', 11, hourOff - 900), sample('plc.heartbeat', 12, hourOff)],
      new Map(),
    );
    expect(times(points, 'plc.heartbeat')).toEqual([
      [10, -1800],
      [11, -900],
      [12, 0],
    ]);
    expect(times(points, 'primary.supply_temp')).toEqual([[95, 0]]);
  });

  it('spaces samples 1 ms apart when the server gave no time, the same time, or a jump', () => {
    const points = stampSamples([sample('plc.heartbeat', 1, undefined), sample('plc.heartbeat', 2, 7000), sample('plc.heartbeat', 3, 7000), sample('plc.heartbeat', 4, 7000 + 86_400_000)], new Map());
    expect(times(points, 'plc.heartbeat')).toEqual([
      [1, -3],
      [2, -2],
      [3, -1],
      [4, 0],
    ]);
  });

  it('never stamps a tag at or before its last stamped point, across publishes', () => {
    const last = new Map<TagName, number>();
    stampSamples([sample('plc.heartbeat', 1, 1000)], last);
    // The next publish arrives in the same millisecond, with two samples.
    const points = stampSamples([sample('plc.heartbeat', 2, 1500), sample('plc.heartbeat', 3, 2000)], last);
    expect(times(points, 'plc.heartbeat')).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect(last.get('plc.heartbeat')).toBe(RECEIVED + 2);
  });
});
