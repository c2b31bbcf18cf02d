import Database from 'better-sqlite3';
import { pino } from 'pino';
import { WorkOrders } from '../alarms/work-orders.ts';
import type { BuildingEntry, ComplaintInput } from '../model/service.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { AddressBook } from './address-book.ts';
import { Complaints } from './complaints.ts';
import { resolveServiceConfig, type ServiceConfig } from './config-schema.ts';
import { ServiceKpis } from './kpis.ts';
import { ProactiveFeed } from './proactive.ts';

// The service's parts over one real SQLite database in memory, as startService wires them, with a
// clock the test moves: the unit tests of complaints, KPIs and proactive complaints share it.

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** 2026-11-15 00:00 Beijing time. */
export const T0 = Date.UTC(2026, 10, 14, 16);

/** Two areas, a crew each; three buildings on two substations (and one of no area). */
export const BUILDINGS: BuildingEntry[] = [
  { community: '阳光花园', building: '1号楼', substation: 'S1', areaM2: 6000, households: 60 },
  { community: '阳光花园', building: '2号楼', substation: 'S1', areaM2: 4000, households: 40 },
  { community: '幸福家园', building: '5号楼', substation: 'S2', loop: 'L2', areaM2: 10000, households: 100 },
];

export function serviceHarness(overrides: Record<string, unknown> = {}) {
  const clock = { now: T0 };
  const now = () => clock.now;
  const db = new Database(':memory:');
  const log = pino({ level: 'silent' });
  const workOrders = new WorkOrders(
    db,
    { crews: [{ id: 'north', name: 'North', groups: ['north'] }, { id: 'south', name: 'South', groups: ['south'] }], groups: { north: ['S1'], south: ['S2'] }, repeat_window_days: 30 },
    now,
    log,
  );
  const audit = new SqliteAuditTrail(db, now);
  const config: ServiceConfig = resolveServiceConfig({ company: 'acme', ...overrides });
  const addressBook = new AddressBook(BUILDINGS);
  const created: number[] = [];
  let proactive: ProactiveFeed | undefined;
  const complaints = new Complaints({
    database: db,
    addressBook,
    workOrders,
    audit,
    config,
    now,
    onCreated: (c) => created.push(c.id),
    beforeRead: () => proactive?.sync(),
    logger: log,
  });
  proactive = new ProactiveFeed(complaints, workOrders, 'cold_homes', log);
  const kpis = new ServiceKpis(db, { addressBook, config, areaOf: (s) => workOrders.areaOf(s), crewFor: (s) => workOrders.crewFor(s), now });
  return { clock, db, workOrders, audit, config, addressBook, complaints, kpis, created, proactive };
}

/** A resident's call from a home of the address book. */
export const call = (over: Partial<ComplaintInput> & { home?: Partial<ComplaintInput['address']> } = {}): ComplaintInput => {
  const { home, ...rest } = over;
  return {
    channel: 'hotline',
    address: { community: '阳光花园', building: '1号楼', unit: '2', room: '301', ...home },
    phone: '13812345678',
    category: 'cold_home',
    words: '卧室只有十六度',
    ...rest,
  };
};
