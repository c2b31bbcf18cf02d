import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../../model/errors.ts';
import { historyCsv, niceStep, parseHistoryQuery, parseSeries, parseTime } from './history.ts';

const MIN = 60_000;
const DAY = 86_400_000;

function failure(f: () => unknown): { code: string; path?: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof HeatScadaError) return e.toJSON();
  }
  throw new Error('expected a HeatScadaError');
}

describe('history query', () => {
  it('niceStep: the smallest round step giving at most `points` buckets', () => {
    expect(niceStep(800, 800)).toBe(1000);
    expect(niceStep(60 * MIN, 60)).toBe(MIN);
    expect(niceStep(60 * MIN, 10)).toBe(10 * MIN);
    expect(niceStep(DAY, 800)).toBe(2 * MIN);
    expect(niceStep(365 * DAY, 800)).toBe(DAY / 2);
    expect(niceStep(365 * DAY, 300)).toBe(2 * DAY);
    expect(niceStep(400 * DAY, 10)).toBe(40 * DAY);
  });

  it('parseTime: ms or ISO 8601', () => {
    expect(parseTime('1700000000000', 'f')).toBe(1_700_000_000_000);
    expect(parseTime('2026-01-15T00:00:00Z', 'f')).toBe(Date.UTC(2026, 0, 15));
    expect(failure(() => parseTime('soon', 'querystring.to'))).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'querystring.to' });
  });

  it('parseSeries: substation:tag pairs of catalogue tags, at most 20', () => {
    expect(parseSeries('S001:primary.supply_temp, S002:heat.power')).toEqual([
      { substation: 'S001', tag: 'primary.supply_temp' },
      { substation: 'S002', tag: 'heat.power' },
    ]);
    expect(failure(() => parseSeries('S001:heat.power,S002'))).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'querystring.series[1]' });
    expect(failure(() => parseSeries('S001:heat.powr'))).toMatchObject({ code: 'HS_ERR_UNKNOWN_TAG', path: 'querystring.series[0]' });
    expect(failure(() => parseSeries(Array(21).fill('S1:heat.power').join(',')))).toMatchObject({ path: 'querystring.series' });
  });

  it('parseHistoryQuery: from before to, at most 400 days', () => {
    expect(parseHistoryQuery({ series: 'S1:heat.power', from: '0', to: String(DAY), points: 800, agg: 'max' })).toEqual({
      series: [{ substation: 'S1', tag: 'heat.power' }],
      from: 0,
      to: DAY,
      stepMs: 2 * MIN,
      agg: 'max',
    });
    expect(failure(() => parseHistoryQuery({ series: 'S1:heat.power', from: '5', to: '5', points: 800, agg: 'avg' }))).toMatchObject({ path: 'querystring.from' });
    expect(failure(() => parseHistoryQuery({ series: 'S1:heat.power', from: '0', to: String(401 * DAY), points: 800, agg: 'avg' }))).toMatchObject({ path: 'querystring.to' });
  });

  it('historyCsv: a row per bucket of any series, empty cells where a series has none', () => {
    const csv = historyCsv({
      from: 0,
      to: 3 * MIN,
      stepMs: MIN,
      series: [
        { substation: 'S1', tag: 'heat.power', unit: 'kW', points: [[0, 1], [2 * MIN, 3]] },
        { substation: 'S1', tag: 'pump.running', unit: '', points: [[MIN, 1]] },
      ],
    });
    expect(csv).toBe(
      ['ts,S1:heat.power (kW),S1:pump.running', '1970-01-01T00:00:00.000Z,1,', '1970-01-01T00:01:00.000Z,,1', '1970-01-01T00:02:00.000Z,3,', ''].join('\n'),
    );
  });
});
