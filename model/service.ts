// The residents' service (service/): a complaint from any channel, where it lands in the plant
// (community → building → substation), and its way from received to closed. Shared by the
// service role, the API that serves it, the alarm engine's complaint-cluster rule and the web app.

/** Where a complaint came from; 'proactive' is a cold-homes work order opened from telemetry before anyone called (未诉先办). */
export const CHANNELS = ['12345', 'hotline', 'wechat', 'walk_in', 'proactive'] as const;
export type Channel = (typeof CHANNELS)[number];

/** 无暖, 室温低, 跑冒滴漏, 圈气, 噪音, 报停/开栓, 收费, 其他. */
export const CATEGORIES = ['no_heat', 'cold_home', 'leak', 'air_lock', 'noise', 'stop_restart', 'billing', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** received → dispatched (joined to a work order) → on_site → resolved → followed_up → closed. */
export const COMPLAINT_STATES = ['received', 'dispatched', 'on_site', 'resolved', 'followed_up', 'closed'] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];

/** The legal indoor floor (°C): a measured room below it needs a recorded fix before closing. */
export const INDOOR_FLOOR_C = 18;

export interface HomeAddress {
  community: string;
  building: string;
  unit: string;
  room: string;
}

/** One building of the address book: which substation (and secondary loop) heats it. */
export interface BuildingEntry {
  community: string;
  building: string;
  substation: string;
  loop?: string;
  /** Heated floor area, m², and households: the KPIs per 10,000 m² and per 1,000 households. */
  areaM2: number;
  households: number;
}

/** The crew's measurement at the home (室温检测). */
export interface RoomMeasurement {
  tempC: number;
  /** ms UTC. */
  at: number;
  /** Instrument and its serial, as the city's rules ask. */
  instrument: string;
}

export interface FollowUp {
  /** ms UTC of the call. */
  at: number;
  reached: boolean;
  /** Null when the resident was not reached. */
  satisfied: boolean | null;
  words: string;
  actor: string;
}

/** Why a closure may be a false one (假办结): no follow-up reached the resident, or a cold room with no fix. */
export const FALSE_CLOSURE_RISKS = ['no_follow_up', 'cold_without_fix'] as const;
export type FalseClosureRisk = (typeof FALSE_CLOSURE_RISKS)[number];

/** The flags closing a complaint now raises: no follow-up reached the resident; a room measured below the floor and no fix. */
export function falseClosureRisks(c: { followUp: FollowUp | null; measurement: RoomMeasurement | null; fix: string | null }): FalseClosureRisk[] {
  const risks: FalseClosureRisk[] = [];
  if (!c.followUp?.reached) risks.push('no_follow_up');
  if (c.measurement !== null && c.measurement.tempC < INDOOR_FLOOR_C && c.fix === null) risks.push('cold_without_fix');
  return risks;
}

export interface Complaint {
  id: number;
  channel: Channel;
  /** The channel's own ticket id (the 12345 platform's), when it has one; unique per channel. */
  ticket: string | null;
  /** ms UTC. */
  receivedAt: number;
  address: HomeAddress;
  substation: string;
  loop: string | null;
  area: string | null;
  /** Masked (138****5678) for every role but the hotline's. */
  phone: string;
  category: Category;
  /** The resident's words. */
  words: string;
  state: ComplaintState;
  /** receivedAt + the category's time limit. */
  dueAt: number;
  workOrderId: number | null;
  crew: string | null;
  /** First response: when it was dispatched. */
  dispatchedAt: number | null;
  onSiteAt: number | null;
  measurement: RoomMeasurement | null;
  /** What the crew did (a fix); null when nothing was fixed. */
  fix: string | null;
  resolvedAt: number | null;
  followUp: FollowUp | null;
  closedAt: number | null;
  /** The earlier complaint from the same home this one reopened (a repeat), if any. */
  repeatOf: number | null;
  /** How many times a new complaint from the home reopened this one. */
  reopened: number;
  falseClosureRisk: FalseClosureRisk[];
}

/** What the complaint-cluster rule hears, over MQTT at `complaintTopic(group, substation)`. */
export interface ComplaintEvent {
  complaint: number;
  substation: string;
  category: Category;
  channel: Channel;
  receivedAt: number;
}

/** heatscada/service/<group>/complaint/<substation>, beside the loop's heatscada/control/<group>/state/<substation>. */
export const complaintTopic = (group: string, substation: string): string => `heatscada/service/${group}/complaint/${substation}`;
export const complaintFilter = (group: string): string => `heatscada/service/${group}/complaint/+`;

/** Masks a phone number to its first three and last four digits: 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** What the intake form, the API and an import give: the rest (substation, state, limits) the service works out. */
/** Which complaints a list shows (GET /api/service/complaints): newest first by receipt. */
export interface ComplaintFilter {
  state?: ComplaintState;
  channel?: Channel;
  substation?: string;
  community?: string;
  crew?: string;
  /** Words in the ticket, community, building or the resident's words (never the phone: a viewer must not probe numbers). */
  q?: string;
  /** Default 50, at most 500. */
  limit?: number;
  /** Older than this complaint: the next page. */
  before?: number;
}

export interface ComplaintInput {
  channel: Channel;
  ticket?: string | null;
  /** ms UTC; now when absent. */
  receivedAt?: number;
  address: HomeAddress;
  /** As the resident gave it; stored whole, shown masked but to the hotline. */
  phone: string;
  category: Category;
  words: string;
}

/** The groupings the regulators' figures are asked for. */
export const KPI_GROUPINGS = ['company', 'area', 'crew', 'community', 'day', 'season'] as const;
export type KpiGrouping = (typeof KPI_GROUPINGS)[number];

/**
 * The regulators' figures for one group of complaints (those received in the period). Rates are
 * shares 0–1, null when their denominator is 0.
 */
export interface ServiceKpi {
  /** The area, crew, community, day (YYYY-MM-DD in the display zone), season id, or the company id. */
  key: string;
  complaints: number;
  /** Median minutes from received to dispatched (first response). */
  firstResponseMin: number | null;
  /** 办理时限: resolved by dueAt ÷ (resolved + unresolved past dueAt). */
  withinLimitRate: number | null;
  /** 办结率: closed ÷ complaints. */
  closureRate: number | null;
  /** 满意率: satisfied ÷ follow-ups that reached the resident. */
  satisfactionRate: number | null;
  /** 有效回访率: follow-ups that reached the resident ÷ complaints resolved. */
  effectiveFollowUpRate: number | null;
  /** Complaints that reopened an earlier one from the same home ÷ complaints. */
  repeatRate: number | null;
  /** Complaints per 10,000 m² and per 1,000 households of the group's buildings (address book); null for a group with none. */
  per10kM2: number | null;
  per1kHouseholds: number | null;
  /** Closed complaints flagged at risk of being false closures. */
  falseClosureRisks: number;
  /** Complaints that joined a work order already open before they came (an order had reached the home first). */
  reachedByOrder: number;
}
