import { describe, expect, it } from 'vitest';
import type { Complaint } from '../../model/service.ts';
import { complaintMarks } from './complaint-marks.ts';

const H = 3_600_000;
const base: Complaint = {
  id: 1, channel: 'hotline', ticket: null, receivedAt: 0, address: { community: '阳光花园', building: '3', unit: '2', room: '301' },
  substation: 'S001', loop: null, area: null, phone: '138****5678', category: 'cold_home', words: '', state: 'received', dueAt: 24 * H,
  workOrderId: null, crew: null, dispatchedAt: null, onSiteAt: null, measurement: null, fix: null, resolvedAt: null, followUp: null,
  closedAt: null, repeatOf: null, reopened: 0, falseClosureRisk: [],
};
const cold = { tempC: 16.5, at: 2 * H, instrument: 'TM-1' };
const reached = { at: 5 * H, reached: true, satisfied: true, words: '', actor: 'hotline' };

describe('complaint marks', () => {
  it('marks an unresolved complaint overdue only past its due time', () => {
    expect(complaintMarks(base, 24 * H).overdue).toBe(false);
    expect(complaintMarks(base, 24 * H + 1).overdue).toBe(true);
    expect(complaintMarks({ ...base, state: 'on_site' }, 30 * H).overdue).toBe(true);
  });

  it('marks a resolved complaint late when it was resolved after its due time, and never overdue', () => {
    const late = { ...base, state: 'resolved' as const, resolvedAt: 25 * H };
    expect(complaintMarks(late, 40 * H)).toMatchObject({ overdue: false, late: true });
    expect(complaintMarks({ ...late, resolvedAt: 23 * H }, 40 * H).late).toBe(false);
  });

  it('foresees the flags closing would raise: no reached follow-up, a cold room with no fix', () => {
    const resolved = { ...base, state: 'resolved' as const, resolvedAt: 3 * H, measurement: cold };
    expect(complaintMarks(resolved, 4 * H).risks).toEqual(['no_follow_up', 'cold_without_fix']);
    expect(complaintMarks({ ...resolved, fix: 'bled the radiators', state: 'followed_up', followUp: reached }, 6 * H).risks).toEqual([]);
    expect(complaintMarks({ ...resolved, state: 'followed_up', followUp: { ...reached, reached: false, satisfied: null } }, 6 * H).risks).toEqual(['no_follow_up', 'cold_without_fix']);
    // At 18 °C the room is at the floor, not below it.
    expect(complaintMarks({ ...resolved, measurement: { ...cold, tempC: 18 }, followUp: reached }, 6 * H).risks).toEqual([]);
  });

  it('shows a closed complaint the flags the service recorded, and an open one none', () => {
    expect(complaintMarks({ ...base, state: 'closed', falseClosureRisk: ['no_follow_up'] }, 6 * H).risks).toEqual(['no_follow_up']);
    expect(complaintMarks({ ...base, state: 'closed' }, 6 * H).risks).toEqual([]);
    expect(complaintMarks({ ...base, state: 'dispatched', measurement: cold }, 3 * H).risks).toEqual([]);
  });
});
