import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../../model/point.ts';
import { captureLog } from '../../tests/helpers/capture-log.ts';
import { eventually } from '../../tests/helpers/eventually.ts';
import { mountSmallDisk, smallDiskUnavailable, type SmallDisk } from '../../tests/helpers/small-disk.ts';
import { PointBuffer } from './buffer.ts';
import { BufferWriter } from './buffer-writer.ts';

// The buffer on a real full disk: a 1 MiB tmpfs and a filler file (tests/helpers/small-disk.ts).

const unavailable = smallDiskUnavailable();
const points = (substation: string, from: number, n: number): Point[] =>
  Array.from({ length: n }, (_, i) => ({ substation, tag: 'plc.heartbeat', ts: 1_000_000 + (from + i) * 1000, value: from + i, quality: 'good' }));
const retry = { firstMs: 5, maxMs: 20, minFreeBytes: 64 * 1024 };

/** Appends until the full disk refuses: at least one point then waits in memory. */
function appendUntilFull(writer: BufferWriter, from: number): number {
  let n = from;
  while (!writer.diskFull) {
    writer.append(points('S1', n, 100));
    n += 100;
  }
  return n;
}

/** Takes every point of S1 back from the writer, as a replay would, releasing each batch. */
function replayAll(writer: BufferWriter): number[] {
  const values: number[] = [];
  for (;;) {
    const batch = writer.oldest('S1', 250);
    if (batch.points.length === 0) return values;
    if (!batch.release()) throw new Error('release refused');
    values.push(...batch.points.map((p) => Number(p.value)));
  }
}

describe.skipIf(unavailable !== undefined)(`BufferWriter on a full disk${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let disk: SmallDisk;
  beforeAll(() => {
    disk = mountSmallDisk(1024 * 1024);
  });
  afterAll(() => disk?.close());

  it('holds in memory what the full disk refuses, says so once, and writes it to the file when space returns', async () => {
    const { log, lines } = captureLog();
    const buffer = new PointBuffer(path.join(disk.dir, 'a.buffer.db'), 1_000_000, log);
    const changes: string[] = [];
    let recovered = 0;
    const writer = new BufferWriter(buffer, { memoryMaxPoints: 100_000, retry, onDiskFull: (e) => changes.push(e ? `full ${e.path}` : 'ok') }, log, () => recovered++);
    writer.append(points('S1', 0, 100));
    disk.fill();
    const produced = appendUntilFull(writer, 100);
    const more = produced + 500;
    writer.append(points('S1', produced, 500));
    expect(writer.size).toBe(more);
    expect(writer.heldInMemory).toBeGreaterThanOrEqual(500);
    disk.free();
    await eventually(() => expect(writer.diskFull).toBe(false));
    expect(writer.heldInMemory).toBe(0);
    expect(recovered).toBe(1);
    expect(changes).toEqual([`full ${buffer.file}`, 'ok']);
    expect(replayAll(writer)).toEqual(Array.from({ length: more }, (_, i) => i));
    expect(lines.filter((l) => l.event === 'buffer_disk_full')).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'buffer_disk_recovered')).toHaveLength(1);
    writer.close();
    buffer.close();
  });

  it('replays what memory holds while the disk is still full, and drops the oldest beyond its bound, counted and logged', () => {
    const { log, lines } = captureLog();
    const buffer = new PointBuffer(path.join(disk.dir, 'b.buffer.db'), 1_000_000, log);
    const writer = new BufferWriter(buffer, { memoryMaxPoints: 300, retry }, log);
    disk.fill();
    try {
      const produced = appendUntilFull(writer, 0);
      const onDisk = buffer.size;
      writer.append(points('S1', produced, 1000));
      expect(writer.heldInMemory).toBe(300);
      expect(writer.dropped).toBe(produced + 1000 - onDisk - 300);
      const warning = lines.find((l) => l.event === 'buffer_memory_full');
      expect(warning).toMatchObject({ code: 'HS_ERR_DISK_FULL', memory_max_points: 300 });
      expect(String(warning?.msg)).toMatch(/memory bound of 300 points exceeded, \d+ oldest points dropped/);
      // The newest 300 are in memory, behind the file's points; a replay reads both, in order.
      const batch = writer.oldest('S1', onDisk + 1000);
      expect(batch.points.slice(onDisk).map((p) => Number(p.value))).toEqual(Array.from({ length: 300 }, (_, i) => produced + 700 + i));
    } finally {
      disk.free();
      writer.close();
      buffer.close();
    }
  });
});
