import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Point } from '../../model/point.ts';
import { captureLog } from '../../tests/helpers/capture-log.ts';
import { PointBuffer } from './buffer.ts';

const dirs: string[] = [];
const dbFile = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-buffer-'));
  dirs.push(dir);
  return path.join(dir, 'sparkplug', 'buffer.db');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const points = (substation: string, from: number, n: number): Point[] =>
  Array.from({ length: n }, (_, i) => ({ substation, tag: 'plc.heartbeat', ts: 1_000_000 + (from + i) * 1000, value: from + i, quality: 'good' }));

describe('PointBuffer', () => {
  it('gives points back per substation in the order they were produced, values and kinds intact', () => {
    const { log } = captureLog();
    const buffer = new PointBuffer(dbFile(), 1000, log);
    const mixed: Point[] = [
      { substation: 'S1', tag: 'pump.running', ts: 5, value: true, quality: 'good' },
      { substation: 'S2', tag: 'primary.flow', ts: 6, value: 12.25, quality: 'uncertain' },
      { substation: 'S1', tag: 'primary.supply_temp', ts: 7, value: -0.5, quality: 'bad' },
    ];
    buffer.append(mixed);
    expect(buffer.size).toBe(3);
    expect(buffer.substations().sort()).toEqual(['S1', 'S2']);
    expect(buffer.oldest('S1', 10).map((r) => r.point)).toEqual([mixed[0], mixed[2]]);
    expect(buffer.oldest('S2', 10).map((r) => r.point)).toEqual([mixed[1]]);
    buffer.close();
  });

  it('drops the oldest beyond its bound, counts them and warns', () => {
    const { log, lines } = captureLog();
    const buffer = new PointBuffer(dbFile(), 100, log);
    buffer.append(points('S1', 0, 60));
    buffer.append(points('S1', 60, 90));
    expect(buffer.size).toBe(100);
    expect(buffer.dropped).toBe(50);
    expect(buffer.oldest('S1', 1000).map((r) => r.point.value)).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
    expect(lines.find((l) => l.event === 'buffer_full')).toMatchObject({ dropped: 50, dropped_total: 50, max_points: 100 });
    buffer.close();
  });

  it('survives a restart and keeps appending after what it holds', () => {
    const { log } = captureLog();
    const file = dbFile();
    const first = new PointBuffer(file, 1000, log);
    first.append(points('S1', 0, 10));
    first.close();
    const second = new PointBuffer(file, 1000, log);
    expect(second.size).toBe(10);
    second.append(points('S1', 10, 5));
    expect(second.oldest('S1', 100).map((r) => r.point.value)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    second.close();
  });

  it('replays in batches: deleting through a batch leaves the rest in order', () => {
    const { log } = captureLog();
    const buffer = new PointBuffer(dbFile(), 1000, log);
    buffer.append(points('S1', 0, 25));
    buffer.append(points('S2', 0, 5));
    const seen: number[] = [];
    for (let batch = buffer.oldest('S1', 10); batch.length > 0; batch = buffer.oldest('S1', 10)) {
      seen.push(...batch.map((r) => r.point.value as number));
      buffer.removeThrough('S1', batch[batch.length - 1].id);
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(buffer.size).toBe(5);
    expect(buffer.substations()).toEqual(['S2']);
    buffer.close();
  });

  it('drops, counted, the points of substations no longer served', () => {
    const { log, lines } = captureLog();
    const buffer = new PointBuffer(dbFile(), 1000, log);
    buffer.append([...points('S1', 0, 3), ...points('GONE', 0, 4)]);
    buffer.retainOnly(['S1']);
    expect(buffer.size).toBe(3);
    expect(buffer.dropped).toBe(4);
    expect(lines.find((l) => l.event === 'buffer_dropped_unserved')).toMatchObject({ substation: 'GONE', dropped: 4 });
    buffer.close();
  });
});
