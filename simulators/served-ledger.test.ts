import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCity } from './network/generate.ts';
import { Plant } from './plant.ts';
import { openServedLedger, readServedLedger } from './served-ledger.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function ledgerOnPlant() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
  dirs.push(dir);
  const plant = new Plant(generateCity({ substations: 2, seed: 5 }), { startMs: Date.UTC(2026, 0, 15), stepS: 1 });
  let ms = 1000;
  const file = path.join(dir, 'served.csv');
  return { plant, file, ledger: openServedLedger(plant, file, () => ms++) };
}

describe('served ledger', () => {
  it('records each new heartbeat once per substation and every write with its outcome', () => {
    const { plant, file, ledger } = ledgerOnPlant();
    const [a, b] = plant.substationIds;
    ledger.plc.read(b, 'plc.heartbeat'); // a server building its address space: not recorded
    ledger.start();
    ledger.plc.read(a, 'plc.heartbeat');
    ledger.plc.read(a, 'plc.heartbeat'); // a second client sampling the same value
    ledger.plc.read(b, 'plc.heartbeat');
    ledger.plc.read(a, 'outdoor.temp'); // other tags are not recorded
    plant.advance(3);
    ledger.plc.read(a, 'plc.heartbeat');
    ledger.plc.write(a, 'primary.valve_setpoint', 40);
    ledger.plc.write(a, 'primary.valve_setpoint', 400);
    ledger.close();

    const entries = readServedLedger(file);
    const beats = entries.filter((e) => e.kind === 'heartbeat');
    expect(beats.map((e) => [e.substation, e.heartbeat])).toEqual([
      [a, 0],
      [b, 0],
      [a, 3],
    ]);
    const writes = entries.filter((e) => e.kind === 'write');
    expect(writes.map((e) => e.kind === 'write' && [e.value, e.ok])).toEqual([
      [40, plant.read(a, 'primary.valve_setpoint') === 40],
      [400, false],
    ]);
  });

  it("passes everything else through to the plant, whatever the servers ask of it", () => {
    const { plant, ledger } = ledgerOnPlant();
    const [a] = plant.substationIds;
    expect(ledger.plc.substationIds).toEqual(plant.substationIds);
    expect(ledger.plc.protocolOf(a)).toBe(plant.protocolOf(a));
    plant.injectFault({ kind: 'power_loss', substation: a });
    expect(ledger.plc.answers(a)).toBe(false);
    ledger.close();
  });

  it('skips a torn last line of a simulator killed mid-write', () => {
    const { file, ledger } = ledgerOnPlant();
    ledger.close();
    fs.writeFileSync(file, 'H,S001,5,100\nH,S001,6,2');
    fs.appendFileSync(file, '00\nH,S0');
    expect(readServedLedger(file)).toEqual([
      { kind: 'heartbeat', substation: 'S001', heartbeat: 5, ms: 100 },
      { kind: 'heartbeat', substation: 'S001', heartbeat: 6, ms: 200 },
    ]);
  });
});
