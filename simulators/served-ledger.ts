// The simulator's own record of what its PLCs served: every new heartbeat value a protocol
// server read for a client, and every write with its outcome. A soak run reconciles the store
// against it, so "nothing lost" is counted from the plant's side, not from the collector's.
// Lines are CSV, appended in batches (one write per flush, so a killed simulator loses at most
// the last flush interval, which the soak treats as the simulator's own outage):
//   H,<substation>,<heartbeat>,<wall ms>
//   W,<substation>,<tag>,<value>,ok|refused,<wall ms>

import fs from 'node:fs';
import path from 'node:path';
import type { TagName } from '../model/tags.ts';
import type { PlcAccess, PlcWriteResult } from './plc-access.ts';

const FLUSH_EVERY_MS = 100;

export interface ServedLedger {
  /** The PlcAccess the protocol servers use: the plant's, recording as it answers. */
  readonly plc: PlcAccess;
  /**
   * Starts recording. Servers read every tag once while they build their address space, for no
   * client; the ledger begins when they are up.
   */
  start(): void;
  flush(): void;
  close(): void;
}

export function openServedLedger(plant: PlcAccess, file: string, now: () => number = Date.now): ServedLedger {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  let pending: string[] = [];
  const lastHeartbeat = new Map<string, number>();
  let recording = false;
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    fs.writeSync(fd, text);
  };
  const timer = setInterval(flush, FLUSH_EVERY_MS);
  timer.unref();

  const read = (substation: string, tag: TagName): number | boolean => {
    const value = plant.read(substation, tag);
    // Servers read a tag once per client sample or poll; the ledger keeps each value once.
    if (recording && tag === 'plc.heartbeat' && lastHeartbeat.get(substation) !== value) {
      lastHeartbeat.set(substation, Number(value));
      pending.push(`H,${substation},${Number(value)},${now()}\n`);
    }
    return value;
  };
  const write = (substation: string, tag: TagName, value: number): PlcWriteResult => {
    const result = plant.write(substation, tag, value);
    if (recording) pending.push(`W,${substation},${tag},${value},${result.ok ? 'ok' : 'refused'},${now()}\n`);
    return result;
  };
  // Everything else (answers, faults of the servers…) is the plant's own, whatever PlcAccess grows.
  const plc = new Proxy(plant, {
    get(target, property) {
      if (property === 'read') return read;
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    plc,
    start: () => {
      recording = true;
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
      fs.closeSync(fd);
    },
  };
}

export type LedgerEntry =
  | { kind: 'heartbeat'; substation: string; heartbeat: number; ms: number }
  | { kind: 'write'; substation: string; tag: string; value: number; ok: boolean; ms: number };

/** The entries of a ledger file; a torn last line (a simulator killed mid-write) is skipped. */
export function readServedLedger(file: string): LedgerEntry[] {
  if (!fs.existsSync(file)) return [];
  const entries: LedgerEntry[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(',');
    if (f[0] === 'H' && f.length === 4) {
      entries.push({ kind: 'heartbeat', substation: f[1], heartbeat: Number(f[2]), ms: Number(f[3]) });
    } else if (f[0] === 'W' && f.length === 6) {
      entries.push({ kind: 'write', substation: f[1], tag: f[2], value: Number(f[3]), ok: f[4] === 'ok', ms: Number(f[5]) });
    }
  }
  return entries.filter((e) => Number.isFinite(e.ms));
}
