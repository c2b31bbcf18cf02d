import { describe, expect, it } from 'vitest';
import { matchWindowMs, reconcile, type StoredBeat } from './ledger.ts';

const MATCH_MS = 3000;

const protocolOf = (s: string) => (s === 'S001' ? ('opcua' as const) : ('modbus' as const));

describe('ledger reconciliation', () => {
  const stored = new Map<string, StoredBeat[]>([
    ['S001', [{ ts: 1000, value: 5, good: true }, { ts: 2000, value: 6, good: true }]],
    ['S002', [{ ts: 1000, value: 5, good: true }, { ts: 4000, value: 8, good: false }]],
  ]);

  it('matches a served heartbeat by substation, value and a stamp near the answer', () => {
    const r = reconcile(
      [
        { substation: 'S001', heartbeat: 5, ms: 1000 + MATCH_MS },
        { substation: 'S001', heartbeat: 6, ms: 1900 },
        { substation: 'S002', heartbeat: 6, ms: 1000 }, // that value is S001's
        { substation: 'S001', heartbeat: 5, ms: 1001 + MATCH_MS + 1000 }, // too far from any 5 (a wrapped counter)
      ],
      stored,
      [],
      protocolOf,
      MATCH_MS,
    );
    expect(r).toMatchObject({ produced: 4, stored: 2, lost: 2 });
    expect(r.lostExamples.map((b) => b.substation)).toEqual(['S002', 'S001']);
  });

  it('counts what a gap covers by its reason, only for its protocol', () => {
    const r = reconcile(
      [
        { substation: 'S001', heartbeat: 9, ms: 5000 },
        { substation: 'S002', heartbeat: 9, ms: 5000 },
        { substation: 'S002', heartbeat: 9, ms: 9000 },
      ],
      stored,
      [
        { fromMs: 4000, toMs: 6000, reason: 'opcua session of a killed collector', protocol: 'opcua' },
        { fromMs: 8000, toMs: 9000, reason: 'historian killed' },
      ],
      protocolOf,
      MATCH_MS,
    );
    expect(r).toMatchObject({ produced: 3, stored: 0, lost: 1, excused: { 'opcua session of a killed collector': 1, 'historian killed': 1 } });
  });

  it('does not take a bad point, which carries the last good value, for an answer', () => {
    const r = reconcile([{ substation: 'S002', heartbeat: 8, ms: 4000 }], stored, [], protocolOf, MATCH_MS);
    expect(r).toMatchObject({ stored: 0, lost: 1 });
  });

  it('a gap for one substation covers only that substation', () => {
    const gap = { fromMs: 0, toMs: 10_000, reason: 'late answer', substation: 'S002' };
    const r = reconcile([{ substation: 'S002', heartbeat: 9, ms: 5000 }, { substation: 'S003', heartbeat: 9, ms: 5000 }], stored, [gap], protocolOf, MATCH_MS);
    expect(r).toMatchObject({ lost: 1, excused: { 'late answer': 1 } });
    expect(r.lostExamples.map((b) => b.substation)).toEqual(['S003']);
  });

  it('keeps the window inside a third of the heartbeat wrap at high speeds', () => {
    expect(matchWindowMs(600)).toBe(20_000);
    expect(matchWindowMs(6000)).toBeCloseTo(65_536 / 6000 / 3 * 1000, 6);
  });
});
