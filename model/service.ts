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
