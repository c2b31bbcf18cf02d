import { describe, expect, it } from 'vitest';
import { seasonsBetween } from './season-days.ts';

describe('season days', () => {
  it('runs July to June without a configured season', () => {
    expect(seasonsBetween('2026-11-15', '2027-08-01')).toEqual([
      { id: '2026-2027', spans: [['2026-07-01', '2027-06-30']] },
      { id: '2027-2028', spans: [['2027-07-01', '2028-06-30']] },
    ]);
  });

  it('is one season with the July–June one of the same id, whatever days the configured one has', () => {
    expect(seasonsBetween('2026-11-15', '2026-11-16', { id: '2026-2027', start: '2026-10-20', end: '2027-04-20' })).toEqual([{ id: '2026-2027', spans: [['2026-07-01', '2027-06-30']] }]);
    expect(seasonsBetween('2026-12-01', '2027-12-01', { id: '2026-2027', start: '2027-06-01', end: '2027-09-30' })).toEqual([
      { id: '2026-2027', spans: [['2026-07-01', '2027-09-30']] },
      { id: '2027-2028', spans: [['2027-10-01', '2028-06-30']] },
    ]);
  });

  it('takes a configured season of another id out of the July–June one around it', () => {
    expect(seasonsBetween('2026-11-15', '2026-11-16', { id: 'HEB-2026', start: '2026-10-20', end: '2027-04-20' })).toEqual([
      { id: '2026-2027', spans: [['2026-07-01', '2026-10-19'], ['2027-04-21', '2027-06-30']] },
      { id: 'HEB-2026', spans: [['2026-10-20', '2027-04-20']] },
    ]);
    expect(seasonsBetween('2028-02-28', '2028-03-02', { id: 'leap', start: '2028-03-01', end: '2028-06-30' })[0].spans).toEqual([['2027-07-01', '2028-02-29']]);
  });
});
