import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredPoint } from '../../model/store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { openSqliteWriter } from './worker-writer.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'heatscada-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2024, 0, 15);
const point = (substation: string, tag: string, k: number, extra: Partial<StoredPoint> = {}): StoredPoint => ({ substation, tag, ts: T + k * 1000, value: k, quality: 'good', ...extra });

describe('sqlite writer thread', () => {
  it('writes batches whose series are numbered across batches, and refuses a bad batch without losing the numbering', async () => {
    const file = path.join(dir, 'numbered.db');
    const writer = openSqliteWriter({ file });
    expect(writer.ordered).toBe(true);
    // Sent without waiting: the thread applies them in order.
    const first = writer.write([point('n1', 'primary.flow', 0), point('n1', 'pump.running', 0, { value: true })]);
    const second = writer.write([point('n2', 'primary.flow', 1, { quality: 'uncertain', historical: true }), point('n1', 'primary.flow', 1, { historical: true })]);
    const bad = writer.write([point('n3', 'primary.flow', 2), point('n1', 'primary.flow', 2, { value: Number.NaN })]);
    await expect(bad).rejects.toMatchObject({ code: 'HS_ERR_STORE_POINT_INVALID', path: '/points/1/value' });
    await Promise.all([first, second]);
    // n3 was in the refused batch only: it is numbered with the next batch that carries it.
    await writer.write([point('n3', 'primary.flow', 3), point('n2', 'primary.flow', 3, { quality: 'bad' }), point('n1', 'pump.running', 3, { value: false })]);
    await writer.close();

    const store = openSqliteStore({ file });
    const latest = await store.latest();
    expect(latest.map((p) => [p.substation, p.tag, p.ts, p.value, p.quality, p.historical])).toEqual([
      ['n1', 'primary.flow', T + 1000, 1, 'good', true],
      ['n1', 'pump.running', T + 3000, false, 'good', false],
      ['n2', 'primary.flow', T + 3000, 3, 'bad', false],
      ['n3', 'primary.flow', T + 3000, 3, 'good', false],
    ]);
    const [n2] = await store.range({ series: [{ substation: 'n2', tag: 'primary.flow' }], from: T, to: T + 10_000 });
    expect(n2.points).toEqual([
      { ts: T + 1000, value: 1, quality: 'uncertain' },
      { ts: T + 3000, value: 3, quality: 'bad' },
    ]);
    expect(await store.count({ substation: 'n1', tag: 'primary.flow' }, T, T + 10_000)).toBe(2);
    await store.close();
  });
});
