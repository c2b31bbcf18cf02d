// The OPC UA and Modbus drivers against the real plant behind the simulator's servers, over
// loopback: values as the plant has them, pushed changes, writes with read-back, refusals
// before the wire, power loss and recovery, and grouped endpoints. plant.write is wrapped in
// a counter, so "nothing reached the PLC" is checked where the PLC is.

import { createServer, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveDevices } from '../collectors/config.ts';
import { createDriver } from '../collectors/drivers.ts';
import type { Driver, DriverState } from '../model/driver.ts';
import type { Point } from '../model/point.ts';
import { TAGS, tagDefinition, type TagName } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { startModbusEndpoint, type ModbusEndpoint } from '../simulators/servers/modbus-endpoint.ts';
import { startOpcuaEndpoint, type OpcuaEndpoint } from '../simulators/servers/opcua-endpoint.ts';
import { freePort } from './helpers/ports.ts';

/** Reconnections take a back-off of up to a second plus node-opcua's own second before it starts. */
const RECOVERY = { timeout: 20_000, interval: 50 };
const SOON = { timeout: 5_000, interval: 25 };
const FAST = { reconnect: { initial_delay_ms: 100, max_delay_ms: 1000 } };

const log = pino({ level: 'silent' });

interface Watched {
  driver: Driver;
  points: Point[];
  states: DriverState[];
  stop: () => Promise<void>;
}

describe('collector drivers against the simulated plant', () => {
  let plant: Plant;
  const writes: { substation: string; tag: TagName; value: number }[] = [];
  let ids: string[];
  const endpoints: { close(): Promise<void> }[] = [];
  let opcuaSingle: OpcuaEndpoint;
  let opcuaGroup: OpcuaEndpoint;
  let modbusSingle: ModbusEndpoint;
  let modbusGroup: ModbusEndpoint;
  const drivers = new Map<string, Driver>();
  const extra: Driver[] = [];

  const driver = (substation: string): Driver => {
    const d = drivers.get(substation);
    if (!d) throw new Error(`no driver for ${substation}`);
    return d;
  };

  /** Another driver from a device entry, closed after the suite. */
  async function extraDriver(entry: Record<string, unknown>): Promise<Driver> {
    const [device] = resolveDevices([{ ...entry, ...FAST }]);
    const d = createDriver(device!, log);
    extra.push(d);
    await d.connect();
    return d;
  }

  async function watch(d: Driver, intervalMs: number): Promise<Watched> {
    const watched: Watched = { driver: d, points: [], states: [], stop: async () => undefined };
    d.onStateChange((state) => watched.states.push(state));
    watched.stop = await d.subscribe((points) => watched.points.push(...points), intervalMs);
    return watched;
  }

  const latest = (w: Watched, tag: TagName): Point | undefined => w.points.findLast((p) => p.tag === tag);

  beforeAll(async () => {
    plant = new Plant(generateCity({ substations: 6, seed: 3 }), { startMs: Date.now() });
    const write = plant.write.bind(plant);
    plant.write = (substation, tag, value) => {
      writes.push({ substation, tag, value });
      return write(substation, tag, value);
    };
    ids = [...plant.substationIds];
    const [s0, s1, s2, s3, s4, s5] = ids as [string, string, string, string, string, string];
    [opcuaSingle, opcuaGroup, modbusSingle, modbusGroup] = await Promise.all([
      freePort().then((port) => startOpcuaEndpoint({ plc: plant, substations: [s0], port })),
      freePort().then((port) => startOpcuaEndpoint({ plc: plant, substations: [s1, s2], port })),
      freePort().then((port) => startModbusEndpoint({ plc: plant, units: [{ substation: s3, unitId: 1 }], port })),
      freePort().then((port) =>
        startModbusEndpoint({
          plc: plant,
          units: [
            { substation: s4, unitId: 1 },
            { substation: s5, unitId: 2 },
          ],
          port,
        }),
      ),
    ]);
    endpoints.push(opcuaSingle, opcuaGroup, modbusSingle, modbusGroup);
    const opcua = { protocol: 'opcua', sampling_interval_ms: 250, ...FAST };
    const modbus = { protocol: 'modbus', timeout_ms: 500, failures_before_disconnect: 2, ...FAST };
    const devices = resolveDevices([
      { id: s0, url: opcuaSingle.url, ...opcua },
      { id: s1, url: opcuaGroup.url, ...opcua },
      { id: s2, url: opcuaGroup.url, ...opcua },
      { id: s3, url: modbusSingle.url, unit_id: 1, ...modbus },
      { id: s4, url: modbusGroup.url, unit_id: 1, ...modbus },
      { id: s5, url: modbusGroup.url, unit_id: 2, ...modbus },
    ]);
    for (const device of devices) drivers.set(device.id, createDriver(device, log));
    await Promise.all([...drivers.values()].map((d) => d.connect()));
  });

  afterAll(async () => {
    await Promise.all([...drivers.values(), ...extra].map((d) => d.close()));
    await Promise.all(endpoints.map((e) => e.close()));
  });

  it('connects to every device', () => {
    expect([...drivers.values()].map((d) => d.state)).toEqual(ids.map(() => 'connected'));
  });

  it('reads every catalogue tag through both protocols as the plant has it', async () => {
    for (const [substation, d] of drivers) {
      const points = await d.read();
      expect(points.map((p) => p.tag).sort()).toEqual(TAGS.map((t) => t.name).sort());
      for (const p of points) {
        const def = tagDefinition(p.tag);
        const want = plant.read(substation, p.tag);
        expect(p.quality, `${substation}.${p.tag}`).toBe('good');
        if (typeof want === 'boolean') expect(p.value, `${substation}.${p.tag}`).toBe(want);
        else {
          // Modbus carries value × scale rounded to an integer; OPC UA carries the double.
          // The PLC's clock ticks on between the read and the plant's answer here.
          const tolerance = (d.constructor.name === 'ModbusDriver' ? 0.5 / def.modbus.scale : 0) + (p.tag === 'plc.clock' ? 1 : 0) + 1e-9;
          expect(Math.abs(Number(p.value) - want), `${substation}.${p.tag}: ${String(p.value)} vs ${want}`).toBeLessThanOrEqual(tolerance);
        }
      }
    }
  });

  it('pushes plant changes to an OPC UA subscription without polling', async () => {
    const d = driver(ids[0]!);
    const reads = vi.spyOn(d, 'read');
    const w = await watch(d, 100);
    try {
      await vi.waitFor(() => expect(latest(w, 'plc.heartbeat')).toBeDefined(), SOON);
      const before = Number(plant.read(ids[0]!, 'plc.heartbeat'));
      plant.advance(5);
      await vi.waitFor(() => expect(latest(w, 'plc.heartbeat')?.value).toBe(before + 5), SOON);
      const setpoint = Number(plant.read(ids[0]!, 'secondary.supply_temp_setpoint')) === 47 ? 48 : 47;
      expect(plant.write(ids[0]!, 'secondary.supply_temp_setpoint', setpoint).ok).toBe(true);
      await vi.waitFor(() => expect(latest(w, 'secondary.supply_temp_setpoint')).toMatchObject({ value: setpoint, quality: 'good' }), SOON);
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
      await w.stop();
    }
  });

  it('writes setpoints through both protocols, once each, and reads them back', async () => {
    for (const substation of [ids[0]!, ids[2]!, ids[3]!, ids[5]!]) {
      const d = driver(substation);
      for (const [tag, value] of [
        ['secondary.supply_temp_setpoint', 52.5],
        ['control.mode_setpoint', 2],
        ['primary.valve_setpoint', 63.5],
        ['control.mode_setpoint', 1],
      ] as const) {
        const count = writes.length;
        expect(await d.write(tag, value), `${substation}.${tag}`).toEqual({ ok: true, readBack: value });
        expect(writes.slice(count)).toEqual([{ substation, tag, value }]);
        expect(plant.read(substation, tag)).toBe(value);
      }
    }
  });

  it('refuses writes outside the catalogue before anything reaches the plant', async () => {
    const count = writes.length;
    for (const d of drivers.values()) {
      expect(await d.write('secondary.supply_temp_setpoint', 80)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
      expect(await d.write('pump.frequency_setpoint', 10)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
      expect(await d.write('control.mode_setpoint', 1.5)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
      expect(await d.write('primary.supply_temp', 50)).toMatchObject({ ok: false, code: 'HS_ERR_NOT_WRITABLE' });
      expect(await d.write('no.such_tag', 1)).toMatchObject({ ok: false, code: 'HS_ERR_UNKNOWN_TAG' });
    }
    expect(writes.slice(count)).toEqual([]);
  });

  it("maps the PLC's own refusals to the error catalogue", async () => {
    // In local mode the PLC's loop owns the valve: BadInvalidState on OPC UA, exception 3 on Modbus.
    for (const substation of [ids[0]!, ids[3]!]) {
      expect(plant.read(substation, 'control.mode')).toBe(1);
      expect(await driver(substation).write('primary.valve_setpoint', 40)).toMatchObject({ ok: false, code: 'HS_ERR_PLC_MODE' });
    }
    // A map pointing a setpoint at a read-only register: the PLC answers exception 2.
    const misplaced = await extraDriver({
      id: ids[3],
      protocol: 'modbus',
      url: modbusSingle.url,
      tags: { 'secondary.supply_temp_setpoint': { register: 0, type: 'int16', scale: 10 } },
    });
    const count = writes.length;
    expect(await misplaced.write('secondary.supply_temp_setpoint', 50)).toMatchObject({ ok: false, code: 'HS_ERR_NOT_WRITABLE' });
    expect(writes.slice(count)).toEqual([]);
  });

  it('goes disconnected with bad points on power loss, and comes back with fresh values', async () => {
    const silent = [ids[0]!, ids[3]!];
    const watched = await Promise.all(silent.map((s) => watch(driver(s), 200)));
    try {
      await vi.waitFor(() => watched.forEach((w) => expect(latest(w, 'plc.heartbeat')?.quality).toBe('good')), SOON);
      const faults = silent.map((substation) => plant.injectFault({ kind: 'power_loss', substation }));
      const lostAt = Date.now();
      await vi.waitFor(() => {
        for (const w of watched) {
          expect(w.driver.state).toBe('disconnected');
          const after = w.points.filter((p) => p.ts >= lostAt);
          expect(new Set(after.filter((p) => p.quality === 'bad').map((p) => p.tag)).size).toBe(TAGS.length);
        }
      }, RECOVERY);
      const count = writes.length;
      for (const w of watched) expect(await w.driver.write('secondary.supply_temp_setpoint', 50)).toMatchObject({ ok: false, code: 'HS_ERR_PLC_OFFLINE' });
      expect(writes.slice(count)).toEqual([]);

      for (const f of faults) plant.clearFault(f.id);
      await vi.waitFor(() => watched.forEach((w) => expect(w.driver.state).toBe('connected')), RECOVERY);
      plant.advance(3);
      await vi.waitFor(() => {
        for (const [i, w] of watched.entries()) {
          expect(latest(w, 'plc.heartbeat')).toMatchObject({ quality: 'good', value: plant.read(silent[i]!, 'plc.heartbeat') });
        }
      }, RECOVERY);
      for (const w of watched) {
        expect(w.states).toEqual(['disconnected', 'connected']);
        expect((await w.driver.read()).every((p) => p.quality === 'good')).toBe(true);
      }
    } finally {
      await Promise.all(watched.map((w) => w.stop()));
    }
  });

  it('serves a silent PLC of a group as disconnected while its neighbours stay connected', async () => {
    // [silent, neighbour] behind one OPC UA endpoint, and behind one Modbus endpoint.
    const pairs = [
      [ids[2]!, ids[1]!],
      [ids[5]!, ids[4]!],
    ] as const;
    const watched = new Map<string, Watched>();
    for (const s of pairs.flat()) watched.set(s, await watch(driver(s), 200));
    const w = (s: string): Watched => watched.get(s)!;
    try {
      await vi.waitFor(() => pairs.flat().forEach((s) => expect(latest(w(s), 'power.ok')?.quality).toBe('good')), SOON);
      const faults = pairs.map(([silent]) => plant.injectFault({ kind: 'comm_loss', substation: silent }));
      await vi.waitFor(() => {
        for (const [silent, neighbour] of pairs) {
          expect(w(silent).driver.state).toBe('disconnected');
          expect(latest(w(silent), 'primary.supply_temp')?.quality).toBe('bad');
          expect(w(neighbour).driver.state).toBe('connected');
        }
      }, RECOVERY);
      for (const [, neighbour] of pairs) expect((await w(neighbour).driver.read()).every((p) => p.quality === 'good')).toBe(true);
      for (const f of faults) plant.clearFault(f.id);
      await vi.waitFor(() => {
        for (const [silent] of pairs) {
          expect(w(silent).driver.state).toBe('connected');
          expect(latest(w(silent), 'primary.supply_temp')?.quality).toBe('good');
        }
      }, RECOVERY);
      for (const [, neighbour] of pairs) expect(w(neighbour).states).toEqual([]);
    } finally {
      await Promise.all([...watched.values()].map((x) => x.stop()));
    }
  });

  it('connects to a device that is down at start once it comes up', async () => {
    const [opcuaPort, modbusPort] = await Promise.all([freePort(), freePort()]);
    const late = await Promise.all([
      extraDriver({ id: ids[0], protocol: 'opcua', url: `opc.tcp://127.0.0.1:${opcuaPort}` }),
      extraDriver({ id: ids[3], protocol: 'modbus', url: `modbus-tcp://127.0.0.1:${modbusPort}` }),
    ]);
    // connect() returned after the first attempt failed; the drivers keep trying.
    expect(late.map((d) => d.state)).toEqual(['disconnected', 'disconnected']);
    expect((await late[0]!.read()).every((p) => p.quality === 'bad')).toBe(true);
    endpoints.push(
      await startOpcuaEndpoint({ plc: plant, substations: [ids[0]!], port: opcuaPort }),
      await startModbusEndpoint({ plc: plant, units: [{ substation: ids[3]!, unitId: 1 }], port: modbusPort }),
    );
    await vi.waitFor(() => expect(late.map((d) => d.state)).toEqual(['connected', 'connected']), RECOVERY);
    for (const d of late) expect((await d.read()).every((p) => p.quality === 'good')).toBe(true);
  });

  it('times out on a Modbus device that never answers, and says so', async () => {
    // Accepts the connection, never answers a request: a hung gateway or half-open link.
    const sockets = new Set<Socket>();
    const mute = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => mute.listen(port, '127.0.0.1', resolve));
    endpoints.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          mute.close(() => resolve());
        }),
    });
    const d = await extraDriver({ id: ids[4], protocol: 'modbus', url: `modbus-tcp://127.0.0.1:${port}`, timeout_ms: 200, failures_before_disconnect: 2 });
    expect(d.state).toBe('connected');
    const points = await d.read();
    expect(points.every((p) => p.quality === 'bad')).toBe(true);
    await d.read();
    expect(d.state).toBe('disconnected');
    expect(await d.write('secondary.supply_temp_setpoint', 50)).toMatchObject({ ok: false, code: 'HS_ERR_PLC_OFFLINE' });
  });

  it('shares one OPC UA session among the PLCs of a group endpoint', async () => {
    // The server's own CurrentSessionCount, read through a driver on the same endpoint.
    const probe = await extraDriver({
      id: 'session-count',
      protocol: 'opcua',
      url: opcuaGroup.url,
      namespace_uri: 'http://opcfoundation.org/UA/',
      tags: { 'plc.heartbeat': { node_id: 'i=2277' } },
    });
    const [sessions] = await probe.read();
    expect(sessions).toMatchObject({ tag: 'plc.heartbeat', quality: 'good', value: 1 });
  });
});
