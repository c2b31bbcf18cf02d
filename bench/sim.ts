// bench:sim — a city of 1,000 substations for one simulated hour at a 1 s step, first with the
// protocol servers off (the physics alone), then with every substation served over OPC UA or
// Modbus TCP in the same process while a client polls every Modbus unit once a (wall) second,
// as a collector would. The baseline is real time: speedup = simulated s / wall s.

import { parseArgs } from 'node:util';
import modbusSerial from 'modbus-serial';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { startEndpoints } from '../simulators/manifest.ts';
import { progress } from './progress.ts';

const { values } = parseArgs({
  options: {
    substations: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '3600' },
    seed: { type: 'string', default: '1' },
    'per-endpoint': { type: 'string', default: '50' },
  },
});
const substations = Number(values.substations);
const simS = Number(values.seconds);
const perEndpoint = Number(values['per-endpoint']);
const spec = generateCity({ substations, seed: Number(values.seed) });
const CHUNK_S = 60;

/** Runs the plant for simS in chunks, yielding to the event loop between chunks so servers answer. */
async function run(plant: Plant, label: string): Promise<number> {
  const bar = progress(label);
  const started = performance.now();
  for (let t = 0; t < simS; t += CHUNK_S) {
    plant.advance(Math.min(CHUNK_S, simS - t));
    await new Promise((resolve) => setImmediate(resolve));
    bar.update(t + CHUNK_S, simS, `${((t + CHUNK_S) / ((performance.now() - started) / 1000)).toFixed(0)}× real time`);
  }
  const wallS = (performance.now() - started) / 1000;
  bar.done(`${simS} s simulated in ${wallS.toFixed(2)} s wall, ${(simS / wallS).toFixed(0)}× real time`);
  return wallS;
}

const startMs = Date.UTC(2026, 0, 15);
const off = await run(new Plant(spec, { startMs }), `sim ${substations} substations, servers off`);

const served = new Plant(spec, { startMs });
const endpoints = await startEndpoints(served, {
  host: '127.0.0.1',
  opcua: { base_port: 24840, plcs_per_endpoint: perEndpoint },
  modbus: { base_port: 25020, units_per_endpoint: perEndpoint },
  admin_port: 24839,
});
const groups = endpoints.groups.length;

// One polling client per Modbus endpoint, reading every unit's measurement block each second.
const ModbusRTU = modbusSerial.default;
let polls = 0;
let polling = true;
const pollers = endpoints.groups
  .filter((g) => g.protocol === 'modbus')
  .map(async (group) => {
    const client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port: group.port });
    client.setTimeout(2000);
    while (polling) {
      const second = performance.now();
      for (let unit = 1; unit <= group.substations.length && polling; unit++) {
        client.setID(unit);
        await client.readHoldingRegisters(0, 24);
        polls++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - second))));
    }
    await new Promise<void>((resolve) => client.close(() => resolve()));
  });
const on = await run(served, `sim ${substations} substations, ${groups} endpoints on`);
polling = false;
await Promise.all(pollers);
await endpoints.close();

console.log(`physics alone: ${(simS / off).toFixed(0)}× real time; with ${groups} protocol endpoints (${perEndpoint} PLCs each) in the same process, ${polls} Modbus polls served: ${(simS / on).toFixed(0)}× (${((on / off - 1) * 100).toFixed(1)} % slower)`);
console.log(
  JSON.stringify({
    bench: 'sim',
    substations,
    sim_s: simS,
    wall_s: Number(off.toFixed(3)),
    speedup: Math.round(simS / off),
    wall_s_servers_on: Number(on.toFixed(3)),
    speedup_servers_on: Math.round(simS / on),
    endpoints: groups,
    modbus_polls: polls,
  }),
);
process.exit(0);
