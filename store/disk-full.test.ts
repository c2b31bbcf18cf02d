import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../model/errors.ts';
import { eventually } from '../tests/helpers/eventually.ts';
import { diskFullError, DiskFullRetry, isDiskFull } from './disk-full.ts';

const sqlite = (code: string) => Object.assign(new Error('database or disk is full'), { code });

describe('isDiskFull', () => {
  it("recognises SQLite's and the OS's ways of saying the disk is full, and ours", () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_SHMSIZE', 'ENOSPC', 'EDQUOT']) expect(isDiskFull(sqlite(code)), code).toBe(true);
    expect(isDiskFull(new HeatScadaError('HS_ERR_DISK_FULL'))).toBe(true);
    for (const e of [sqlite('SQLITE_BUSY'), sqlite('SQLITE_CORRUPT'), new HeatScadaError('HS_ERR_STORE_WRITE', 'database or disk is full'), new Error('x'), null, 'ENOSPC']) expect(isDiskFull(e)).toBe(false);
  });

  it('names the path and keeps the original code', () => {
    const e = diskFullError(sqlite('SQLITE_FULL'), '/data/h.db');
    expect(e).toMatchObject({ code: 'HS_ERR_DISK_FULL', path: '/data/h.db' });
    expect(e.message).toMatch(/SQLITE_FULL: database or disk is full/);
  });
});

describe('DiskFullRetry', () => {
  it('says so once when the disk fills and once when it recovers, retrying in between', async () => {
    let attempts = 0;
    let room = false;
    const events: string[] = [];
    const retry = new DiskFullRetry(
      () => {
        attempts++;
        return room;
      },
      { onFull: (e) => events.push(`full ${e.path}`), onRecovered: () => events.push('recovered') },
      { firstMs: 1, maxMs: 4, minFreeBytes: 0 },
    );
    retry.met(sqlite('SQLITE_FULL'), '/d');
    retry.met(sqlite('SQLITE_FULL'), '/d');
    await eventually(() => expect(attempts).toBeGreaterThan(3));
    expect(retry.full).toBe(true);
    room = true;
    await eventually(() => expect(retry.full).toBe(false));
    expect(events).toEqual(['full /d', 'recovered']);
  });
});
