import { pino } from 'pino';
import { Batcher } from '../../store/historian/batcher.ts';
import type { DeviceTopic, EdgeTopic, HostContext } from '../../store/historian/context.ts';
import { MalformedCounters } from '../../store/historian/counters.ts';
import { RebirthRequests } from '../../store/historian/rebirth.ts';
import { DeviceOwners } from '../../store/historian/owners.ts';
import { Sessions } from '../../store/historian/sessions.ts';
import { MemoryStore } from './memory-store.ts';

// A historian's handler context without MQTT: the store is in memory and rebirth requests are
// recorded, so a handler test feeds payloads and looks at what came out.

export const GROUP = 'city';
export const EDGE = 'edge1';

export interface TestHost {
  ctx: HostContext;
  store: MemoryStore;
  /** Topics of the NCMD rebirth requests sent. */
  rebirths: string[];
  /** How often the host re-published its STATE online. */
  reasserted: () => number;
  /** Writes what is batched and waits for the store. */
  settle: () => Promise<void>;
}

export function testHost(options: { checkSeq?: boolean; deviceOwnersFile?: string } = {}): TestHost {
  const store = new MemoryStore();
  const log = pino({ level: 'silent' });
  const rebirths: string[] = [];
  let reasserted = 0;
  const writer = new Batcher(store, 1000, 20, log);
  const ctx: HostContext = {
    hostId: 'historian-test',
    sessions: new Sessions(),
    // No operator placements unless a test writes some.
    owners: new DeviceOwners(options.deviceOwnersFile ?? '/nonexistent/device-owners.json', log),
    writer,
    counters: new MalformedCounters(log),
    rebirth: new RebirthRequests((topic) => rebirths.push(topic), log),
    events: { staleDeaths: 0, nulls: 0 },
    log,
    checkSeq: options.checkSeq ?? true,
    reassertState: () => reasserted++,
  };
  return { ctx, store, rebirths, reasserted: () => reasserted, settle: () => writer.drain() };
}

export const nodeTopic = (type: 'NBIRTH' | 'NDATA' | 'NDEATH', edge = EDGE): EdgeTopic => ({ kind: 'edge', type, group: GROUP, edge });
export const deviceTopic = (type: 'DBIRTH' | 'DDATA' | 'DDEATH', device: string, edge = EDGE): DeviceTopic => ({ kind: 'edge', type, group: GROUP, edge, device });
