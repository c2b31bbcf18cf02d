import { HeatScadaError } from '../../model/errors.ts';
import { seesPhoneNumbers, type Principal, type Role } from '../../model/security.ts';
import { maskPhone, type Complaint, type ServiceKpi } from '../../model/service.ts';
import { csvLine } from './csv-cell.ts';
import { kpiViewOf, viewOf, type ComplaintView, type KpiView } from './service-schemas.ts';

// What each role is shown of a complaint. The phone is stored whole and masked here for every
// role but the hotline (JSON and CSV go through the same function), and so is any run of digits
// that looks like a phone number in the resident's words: people dictate a second number. A
// crew member is held to its own crew's complaints.

/** A mobile number as people write it (138 1234 5678, +86-138-…), or seven digits and more in a row (a landline); not a date. */
const PHONE_IN_TEXT = /(?:\+?86[\s-]?)?1\d{2}[\s-]?\d{4}[\s-]?\d{4}|\d{7,}/g;

/** Free text with every phone-like run masked as maskPhone masks a phone. */
export const maskPhonesIn = (text: string): string => text.replace(PHONE_IN_TEXT, maskPhone);

/** The complaint as the role may see it. */
export function complaintForRole(c: Complaint, role: Role): ComplaintView {
  if (seesPhoneNumbers(role)) return viewOf(c);
  return viewOf({
    ...c,
    phone: maskPhone(c.phone),
    words: maskPhonesIn(c.words),
    followUp: c.followUp === null ? null : { ...c.followUp, words: maskPhonesIn(c.followUp.words) },
  });
}

/** Whose complaints the caller may see: a crew member its crew's only (a crew member bound to no crew: none, 403). */
export function scopeOf(who: Principal): { crew?: string } {
  if (who.role !== 'crew') return {};
  if (who.crew === undefined) throw new HeatScadaError('HS_ERR_FORBIDDEN', `user ${who.name} has the crew role but no crew: an admin must bind it (heatscada user add --role crew --crew ID)`);
  return { crew: who.crew };
}

const iso = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '' : new Date(ms).toISOString());

const COMPLAINT_COLUMNS = [
  'id', 'channel', 'ticket', 'received_at', 'community', 'building', 'unit', 'room', 'substation', 'loop', 'area', 'crew', 'phone', 'category', 'words', 'state',
  'due_at', 'work_order', 'dispatched_at', 'on_site_at', 'room_temp_c', 'instrument', 'fix', 'resolved_at', 'follow_up_reached', 'follow_up_satisfied', 'follow_up_words',
  'closed_at', 'repeat_of', 'reopened', 'false_closure_risk',
] as const;

function complaintRow(c: ComplaintView): string {
  return csvLine([
    c.id, c.channel, c.ticket, iso(c.receivedAt), c.address.community, c.address.building, c.address.unit, c.address.room, c.substation, c.loop, c.area, c.crew, c.phone, c.category, c.words, c.state,
    iso(c.dueAt), c.workOrderId, iso(c.dispatchedAt), iso(c.onSiteAt), c.measurement?.tempC, c.measurement?.instrument, c.fix, iso(c.resolvedAt), c.followUp?.reached, c.followUp?.satisfied, c.followUp?.words,
    iso(c.closedAt), c.repeatOf, c.reopened, c.falseClosureRisk.join(' '),
  ]);
}

/** Every complaint of the pages as CSV (times ISO 8601 UTC), masked for the role as the JSON is. */
export function* complaintCsv(pages: Iterable<Complaint[]>, role: Role): Generator<string> {
  yield csvLine(COMPLAINT_COLUMNS);
  for (const page of pages) for (const c of page) yield complaintRow(complaintForRole(c, role));
}

const KPI_COLUMNS: readonly (keyof KpiView)[] = ['complaints', 'firstResponseMin', 'withinLimitRate', 'closureRate', 'satisfactionRate', 'effectiveFollowUpRate', 'repeatRate', 'per10kM2', 'per1kHouseholds', 'falseClosureRisks', 'reachedByOrder'];
const snake = (name: string): string => name.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`);
/** Rates and ratios to four decimals: what a regulator's table shows, without float noise. */
const figure = (v: number | null): number | null => (v === null ? null : Math.round(v * 10_000) / 10_000);

/** KPI rows as CSV, the grouping's key first. */
export function kpiCsv(by: string, rows: readonly ServiceKpi[]): string {
  return [csvLine([by, ...KPI_COLUMNS.map(snake)]), ...rows.map(kpiViewOf).map((r) => csvLine([r.key, ...KPI_COLUMNS.map((k) => figure(r[k] as number | null))]))].join('');
}
