import { describe, expect, it } from 'vitest';
import { IN_FLIGHT_MS, killGaps, lateAnswerGaps, OPCUA_ORPHAN_MS } from './gaps.ts';
import type { RoleLife, SoakRole } from './role-process.ts';

const life = (startedMs: number, readyMs: number, endedMs?: number, killed = true): RoleLife => ({ pid: 1, startedMs, readyMs, ...(endedMs === undefined ? {} : { endedMs }), killed });

describe('gaps around kills', () => {
  it('covers what each killed role held, and nothing for a role off the data path', () => {
    const lives = new Map<SoakRole, RoleLife[]>([
      ['collect', [life(0, 1000, 50_000), life(50_100, 55_000)]],
      ['historian', [life(0, 1000, 80_000), life(80_100, 84_000)]],
      ['simulate', [life(0, 1000, 90_000), life(90_100, 95_000)]],
      ['alarms', [life(0, 1000, 70_000), life(70_100, 74_000)]],
      ['broker', [life(0, 1000, 100_000, false)]],
    ]);
    const gaps = killGaps(lives);
    expect(gaps).toEqual([
      { fromMs: 50_000 - IN_FLIGHT_MS, toMs: 55_000 + IN_FLIGHT_MS, reason: expect.stringContaining('collector') },
      { fromMs: 50_000 - IN_FLIGHT_MS, toMs: 50_000 + OPCUA_ORPHAN_MS, reason: expect.stringContaining('OPC UA'), protocol: 'opcua' },
      { fromMs: 80_000 - IN_FLIGHT_MS, toMs: 80_000 + IN_FLIGHT_MS, reason: expect.stringContaining('historian') },
      { fromMs: 90_000 - IN_FLIGHT_MS, toMs: 90_000, reason: expect.stringContaining('simulator'), protocol: 'opcua' },
    ]);
  });

  it('a bad Modbus heartbeat covers the answers served during the request it ended, for that substation only', () => {
    const stored = new Map([
      ['S001', [{ ts: 10_000, value: 4, good: false }]], // OPC UA: a bad status, not a late answer
      ['S002', [{ ts: 10_000, value: 4, good: true }, { ts: 20_000, value: 4, good: false }]],
    ]);
    const gaps = lateAnswerGaps(stored, (s) => (s === 'S001' ? 'opcua' : 'modbus'), 1000);
    expect(gaps).toEqual([{ fromMs: 20_000 - 1000 - 200, toMs: 20_000, reason: expect.stringContaining('timeout'), protocol: 'modbus', substation: 'S002' }]);
  });
});
