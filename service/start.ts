import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { WorkOrders } from '../alarms/work-orders.ts';
import type { BrokerUrls } from '../model/broker-urls.ts';
import type { AuditTrail } from '../model/audit.ts';
import type { MqttLogin } from '../model/mqtt-client.ts';
import type { ServiceKpi } from '../model/service.ts';
import { AddressBook, loadAddressBook } from './address-book.ts';
import { startComplaintPublisher, type ComplaintPublisher } from './complaint-publisher.ts';
import { Complaints } from './complaints.ts';
import type { ServiceConfig } from './config-schema.ts';
import { ServiceKpis, type KpiQuery } from './kpis.ts';
import { ProactiveFeed } from './proactive.ts';

// The residents' service role: complaints in the store's SQLite file beside the alarms and work
// orders, the address book, the regulators' KPIs, the proactive complaints of cold-homes orders,
// and one ComplaintEvent over MQTT for each complaint a resident made (the cluster rule hears it).

export interface ServiceRole {
  readonly complaints: Complaints;
  readonly addressBook: AddressBook;
  readonly config: ServiceConfig;
  /** The role's clock (the plant's in tests that drive one): complaint times, follow-ups and "recent" are on it. */
  now(): number;
  kpis(q: KpiQuery): ServiceKpi[];
  close(): Promise<void>;
}

export interface ServiceDeps {
  /** The store's SQLite handle (SqliteStore.database). */
  database: Database.Database;
  /** The alarm role's work orders: a dispatch opens or joins one. */
  workOrders: WorkOrders;
  audit: AuditTrail;
  /** The broker the complaint events go to; none published without it. */
  mqttUrl?: BrokerUrls;
  mqttLogin?: MqttLogin;
  /** Sparkplug group of the plant ('heatscada' by default). */
  group?: string;
  /** The address book when the caller has one (the simulated city's, demo-address-book.ts); else config.address_book_file. */
  addressBook?: AddressBook;
  /** Substation ids the address book may name (a file naming another is refused). */
  substations?: readonly string[];
  /** alarms.cold_home_alarm: the alarm of the orders a cold home joins and the proactive complaints follow. */
  coldHomeAlarm?: string;
  now?: () => number;
  logger: Logger;
}

const PROACTIVE_EVERY_MS = 5_000;

function addressBookOf(config: ServiceConfig, deps: ServiceDeps): AddressBook {
  if (deps.addressBook) return deps.addressBook;
  if (config.address_book_file !== undefined) return loadAddressBook(config.address_book_file, deps.substations);
  return new AddressBook([]);
}

export async function startService(config: ServiceConfig, deps: ServiceDeps): Promise<ServiceRole> {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const coldHomeAlarm = deps.coldHomeAlarm ?? 'cold_homes';
  const addressBook = addressBookOf(config, deps);
  const publisher: ComplaintPublisher | undefined =
    deps.mqttUrl === undefined ? undefined : await startComplaintPublisher({ mqttUrl: deps.mqttUrl, mqttLogin: deps.mqttLogin, group: deps.group ?? 'heatscada', logger: log.child({ part: 'publisher' }) });
  let proactive: ProactiveFeed | undefined;
  const complaints = new Complaints({
    database: deps.database,
    addressBook,
    workOrders: deps.workOrders,
    audit: deps.audit,
    config,
    coldHomeAlarm,
    now,
    ...(publisher ? { onCreated: (c) => publisher.publish(c) } : {}),
    beforeRead: () => proactive?.sync(),
    logger: log.child({ part: 'complaints' }),
  });
  proactive = new ProactiveFeed(complaints, deps.workOrders, coldHomeAlarm, log.child({ part: 'proactive' }));
  const kpis = new ServiceKpis(deps.database, {
    addressBook,
    config,
    areaOf: (s) => deps.workOrders.areaOf(s),
    crewFor: (s) => deps.workOrders.crewFor(s),
    now,
  });
  const feed = proactive;
  const catchUp = (): void => {
    try {
      feed.sync();
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'proactive complaints not brought up to date');
    }
  };
  catchUp();
  const timer = setInterval(catchUp, PROACTIVE_EVERY_MS);
  timer.unref();
  if (addressBook.size === 0) log.warn({ code: 'HS_ERR_SERVICE_ADDRESS' }, 'the address book is empty: no complaint can be placed (service.address_book_file)');
  log.info({ code: 'HS_SERVICE_STARTED', buildings: addressBook.size, mqtt: publisher !== undefined, company: config.company }, 'residents service started');

  return {
    complaints,
    addressBook,
    config,
    now,
    kpis(q) {
      catchUp();
      return kpis.compute(q);
    },
    async close() {
      clearInterval(timer);
      await publisher?.close();
      log.info({ code: 'HS_SERVICE_STOPPED' }, 'residents service stopped');
    },
  };
}
