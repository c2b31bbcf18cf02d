// The OPC UA and Modbus TCP servers, driven by real clients over loopback, against any
// PlcAccess: TablePlc in tests/protocol-servers.test.ts, the real plant in the integration
// tests. The PLC is wrapped in a probe that records every write reaching it and can refuse
// one, so "nothing reached the PLC" and the error mapping are checked the same way for both.

import path from 'node:path';
import modbusSerial from 'modbus-serial';
import {
  AttributeIds,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  VariableTypeIds,
  makeBrowsePath,
  type ClientSession,
  type DataValue,
  type StatusCode,
} from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../../model/errors.ts';
import { TAGS, tagDefinition, type TagDefinition, type TagName } from '../../model/tags.ts';
import type { PlcAccess, PlcWriteResult, SubstationProtocol } from '../../simulators/plc-access.ts';
import { startModbusEndpoint, type ModbusEndpoint } from '../../simulators/servers/modbus-endpoint.ts';
import { OPCUA_NAMESPACE_URI, startOpcuaEndpoint, type OpcuaEndpoint } from '../../simulators/servers/opcua-endpoint.ts';
import { decodeFromBlock, type TagValue } from '../../simulators/servers/register-map.ts';
import { freePort } from './ports.ts';

export interface PlcUnderTest {
  /** At least three substations; the write tests expect setpoint writes accepted in the initial mode. */
  plc: PlcAccess;
  /** Cuts or restores a substation's PLC link (TablePlc.setAnswering, a comm-loss fault on the plant). */
  setAnswering(substation: string, answers: boolean): void;
  close?(): void | Promise<void>;
}

interface WriteCall {
  substation: string;
  tag: TagName;
  value: number;
}

/** Passes everything through to the PLC, recording writes; can make the PLC refuse a tag. */
class ProbePlc implements PlcAccess {
  readonly writes: WriteCall[] = [];
  readonly #refusals = new Map<string, ErrorCode>();

  constructor(private readonly inner: PlcAccess) {}

  get substationIds(): readonly string[] {
    return this.inner.substationIds;
  }
  protocolOf(substation: string): SubstationProtocol {
    return this.inner.protocolOf(substation);
  }
  read(substation: string, tag: TagName): number | boolean {
    return this.inner.read(substation, tag);
  }
  write(substation: string, tag: TagName, value: number): PlcWriteResult {
    this.writes.push({ substation, tag, value });
    const refusal = this.#refusals.get(`${substation}.${tag}`);
    if (refusal) return { ok: false, code: refusal, reason: 'refused by the test probe' };
    return this.inner.write(substation, tag, value);
  }
  answers(substation: string): boolean {
    return this.inner.answers(substation);
  }
  onAnswersChange(listener: (substation: string, answers: boolean) => void): () => void {
    return this.inner.onAnswersChange(listener);
  }

  refuse(substation: string, tag: TagName, code: ErrorCode | undefined): void {
    if (code) this.#refusals.set(`${substation}.${tag}`, code);
    else this.#refusals.delete(`${substation}.${tag}`);
  }
  writesTo(substation: string, tag?: TagName): WriteCall[] {
    return this.writes.filter((w) => w.substation === substation && (tag === undefined || w.tag === tag));
  }
}

// modbus-serial's typings are CommonJS: under NodeNext the default import is the module
// object, whose `default` is the client class (index.js points it back at itself).
const ModbusRTU = modbusSerial.default;
type ModbusRTU = InstanceType<typeof ModbusRTU>;

/** Server transitions (going silent, coming back) are asynchronous. */
const WAIT = { timeout: 5000, interval: 50 };

// Counters and the PLC's clock (whole seconds) are plain integers.
const isAnalog = (def: TagDefinition): boolean => def.valueType === 'number' && def.unit !== 'count' && def.unit !== 's';

/** A value inside the tag's range that differs from the current one. */
function freshValue(def: TagDefinition, current: TagValue): number {
  const step = def.valueType === 'enum' ? 1 : (def.max - def.min) / 7;
  const candidate = Number(current) + step <= def.max ? Number(current) + step : Number(current) - step;
  return def.valueType === 'enum' ? Math.round(candidate) : Math.round(candidate * def.modbus.scale) / def.modbus.scale;
}

/** The protocol value matches the PLC's, read just before or just after (the plant may move). */
function expectSameAsPlc(def: TagDefinition, got: unknown, before: TagValue, after: TagValue, tolerance: number): void {
  const matches = (want: TagValue): boolean =>
    typeof want === 'boolean' ? got === want : typeof got === 'number' && Math.abs(got - want) <= tolerance;
  expect(matches(before) || matches(after), `${def.name}: got ${String(got)}, PLC had ${String(before)} / ${String(after)}`).toBe(true);
}

export function describeProtocolServers(name: string, makePlc: () => PlcUnderTest | Promise<PlcUnderTest>): void {
  describe(`protocol servers over ${name}`, () => {
    let harness: PlcUnderTest;
    let probe: ProbePlc;
    let single: string;
    let group: [string, string];

    beforeAll(async () => {
      harness = await makePlc();
      probe = new ProbePlc(harness.plc);
      const [first, second, third] = harness.plc.substationIds;
      if (!first || !second || !third) throw new Error('the suite needs a PLC with at least three substations');
      single = first;
      group = [second, third];
    });

    afterAll(async () => {
      await harness.close?.();
    });

    /** Makes a substation silent for the duration of fn, whatever fn throws. */
    async function whileSilent(substation: string, fn: () => Promise<void>): Promise<void> {
      harness.setAnswering(substation, false);
      try {
        await fn();
      } finally {
        harness.setAnswering(substation, true);
      }
    }

    describe('OPC UA', () => {
      let singleEndpoint: OpcuaEndpoint;
      let groupEndpoint: OpcuaEndpoint;
      let clientPki: OPCUACertificateManager;

      beforeAll(async () => {
        clientPki = new OPCUACertificateManager({
          rootFolder: path.resolve('data', 'pki', 'opcua-test-client'),
          automaticallyAcceptUnknownCertificate: true,
          disableFileWatchers: true,
        });
        [singleEndpoint, groupEndpoint] = await Promise.all([
          freePort().then((port) => startOpcuaEndpoint({ plc: probe, substations: [single], port })),
          freePort().then((port) => startOpcuaEndpoint({ plc: probe, substations: [...group], port })),
        ]);
      });

      afterAll(async () => {
        await Promise.all([singleEndpoint?.close(), groupEndpoint?.close()]);
        clientPki.referenceCounter = 0;
        await clientPki.dispose();
      });

      function newClient(): OPCUAClient {
        return OPCUAClient.create({
          endpointMustExist: false,
          clientCertificateManager: clientPki,
          securityMode: MessageSecurityMode.None,
          securityPolicy: SecurityPolicy.None,
          connectionStrategy: { maxRetry: 0, initialDelay: 50, maxDelay: 100 },
        });
      }

      async function connects(url: string): Promise<boolean> {
        const client = newClient();
        try {
          await client.connect(url);
          return true;
        } catch {
          return false;
        } finally {
          await client.disconnect();
        }
      }

      interface Session {
        session: ClientSession;
        nodeId(substation: string, tag: TagName): string;
        read(substation: string, tag: TagName): Promise<DataValue>;
        write(substation: string, tag: TagName, value: number): Promise<StatusCode>;
      }

      async function withSession(url: string, fn: (s: Session) => Promise<void>): Promise<void> {
        const client = newClient();
        await client.connect(url);
        try {
          const session = await client.createSession();
          const ns = (await session.readNamespaceArray()).indexOf(OPCUA_NAMESPACE_URI);
          expect(ns).toBeGreaterThan(0);
          const nodeId = (substation: string, tag: TagName): string => `ns=${ns};s=${substation}.${tag}`;
          await fn({
            session,
            nodeId,
            read: (substation, tag) => session.read({ nodeId: nodeId(substation, tag), attributeId: AttributeIds.Value }),
            write: (substation, tag, value) =>
              session.write({
                nodeId: nodeId(substation, tag),
                attributeId: AttributeIds.Value,
                value: { value: { dataType: tagDefinition(tag).valueType === 'enum' ? DataType.UInt16 : DataType.Double, value } },
              }),
          });
          await session.close().catch(() => undefined);
        } finally {
          await client.disconnect();
        }
      }

      it('serves every tag of every substation with the value the PLC has', async () => {
        for (const [endpoint, substations] of [
          [singleEndpoint, [single]],
          [groupEndpoint, group],
        ] as const) {
          await withSession(endpoint.url, async ({ session, nodeId }) => {
            for (const substation of substations) {
              const before = TAGS.map((t) => probe.read(substation, t.name));
              const values = await session.read(TAGS.map((t) => ({ nodeId: nodeId(substation, t.name), attributeId: AttributeIds.Value })));
              const after = TAGS.map((t) => probe.read(substation, t.name));
              TAGS.forEach((def, i) => {
                const dv = values[i];
                expect(dv?.statusCode.name, `${substation}.${def.name}`).toBe('Good');
                const dataType = def.valueType === 'boolean' ? DataType.Boolean : isAnalog(def) ? DataType.Double : def.unit === 's' ? DataType.UInt32 : DataType.UInt16;
                expect(dv?.value.dataType, def.name).toBe(dataType);
                expectSameAsPlc(def, dv?.value.value, before[i], after[i], 0);
              });
            }
          });
        }
      });

      it('describes analog tags as AnalogItemType with EURange and engineering units, and marks what is writable', async () => {
        await withSession(singleEndpoint.url, async ({ session, nodeId }) => {
          const analog = TAGS.filter(isAnalog);
          const paths = analog.flatMap((def) => [
            makeBrowsePath(nodeId(single, def.name), '.EURange'),
            makeBrowsePath(nodeId(single, def.name), '.EngineeringUnits'),
          ]);
          const targets = (await session.translateBrowsePath(paths)).map((r) => {
            const target = r.targets?.[0]?.targetId;
            if (!r.statusCode.isGood() || !target) throw new Error(`missing property: ${r.statusCode.toString()}`);
            return { nodeId: target.toString(), attributeId: AttributeIds.Value };
          });
          const properties = await session.read(targets);
          analog.forEach((def, i) => {
            expect(properties[2 * i]?.value.value, `${def.name} EURange`).toMatchObject({ low: def.min, high: def.max });
            expect(properties[2 * i + 1]?.value.value?.displayName?.text, `${def.name} unit`).toBe(def.unit);
          });

          const typeDefinition = await session.browse({
            nodeId: nodeId(single, 'primary.supply_temp'),
            referenceTypeId: 'HasTypeDefinition',
          });
          expect(typeDefinition.references?.[0]?.nodeId.value).toBe(VariableTypeIds.AnalogItemType);

          const access = await session.read(TAGS.map((t) => ({ nodeId: nodeId(single, t.name), attributeId: AttributeIds.UserAccessLevel })));
          TAGS.forEach((def, i) => {
            const canWrite = (Number(access[i]?.value.value) & 0x02) !== 0;
            expect(canWrite, def.name).toBe(def.writable);
          });
        });
      });

      it('writes a setpoint through to the PLC and reads it back', async () => {
        await withSession(singleEndpoint.url, async ({ read, write }) => {
          const modeBefore = Number(probe.read(single, 'control.mode_setpoint'));
          for (const tag of ['primary.valve_setpoint', 'control.mode_setpoint'] as const) {
            const value = freshValue(tagDefinition(tag), probe.read(single, tag));
            const count = probe.writes.length;
            expect((await write(single, tag, value)).name, tag).toBe('Good');
            expect(probe.writes.slice(count)).toEqual([{ substation: single, tag, value }]);
            expect(probe.read(single, tag)).toBe(value);
            expect((await read(single, tag)).value.value).toBe(value);
          }
          // Hand the PLC back in the mode it had, so later writes are judged as before.
          expect((await write(single, 'control.mode_setpoint', modeBefore)).name).toBe('Good');
        });
      });

      it('refuses out-of-range and read-only writes before they reach the PLC', async () => {
        await withSession(singleEndpoint.url, async ({ write }) => {
          const count = probe.writes.length;
          const setpoint = tagDefinition('secondary.supply_temp_setpoint');
          const before = probe.read(single, setpoint.name);
          expect((await write(single, setpoint.name, setpoint.max + 5)).name).toBe('BadOutOfRange');
          expect((await write(single, setpoint.name, setpoint.min - 5)).name).toBe('BadOutOfRange');
          expect((await write(single, 'control.mode_setpoint', 3)).name).toBe('BadOutOfRange');
          expect((await write(single, 'primary.supply_temp', 50)).name).toBe('BadNotWritable');
          expect(probe.writes.slice(count)).toEqual([]);
          expect(probe.read(single, setpoint.name)).toBe(before);
        });
      });

      it('maps a PLC refusing the write for its mode to BadInvalidState', async () => {
        const tag = 'pump.frequency_setpoint';
        probe.refuse(single, tag, 'HS_ERR_PLC_MODE');
        try {
          await withSession(singleEndpoint.url, async ({ write }) => {
            expect((await write(single, tag, 40)).name).toBe('BadInvalidState');
          });
        } finally {
          probe.refuse(single, tag, undefined);
        }
      });

      it('answers BadNoCommunication for a silent substation of a group, and recovers', async () => {
        const [silent, other] = group;
        await withSession(groupEndpoint.url, async ({ read, write }) => {
          await whileSilent(silent, async () => {
            expect((await read(silent, 'primary.supply_temp')).statusCode.name).toBe('BadNoCommunication');
            const count = probe.writes.length;
            expect((await write(silent, 'primary.valve_setpoint', 50)).name).toBe('BadNoCommunication');
            expect(probe.writes.slice(count)).toEqual([]);
            expect((await read(other, 'primary.supply_temp')).statusCode.name).toBe('Good');
          });
          expect((await read(silent, 'primary.supply_temp')).statusCode.name).toBe('Good');
        });
      });

      it('stops a single-PLC endpoint while its substation is silent and restarts it on the same port', async () => {
        const client = newClient();
        await client.connect(singleEndpoint.url);
        const session = await client.createSession();
        try {
          await whileSilent(single, async () => {
            await vi.waitFor(async () => expect(await connects(singleEndpoint.url)).toBe(false), WAIT);
            await expect(session.read({ nodeId: 'ns=0;i=2258', attributeId: AttributeIds.Value })).rejects.toThrow();
          });
        } finally {
          await client.disconnect();
        }
        await vi.waitFor(() => expect(connects(singleEndpoint.url)).resolves.toBe(true), WAIT);
        await withSession(singleEndpoint.url, async ({ read }) => {
          expect((await read(single, 'primary.supply_temp')).statusCode.name).toBe('Good');
        });
      });
    });

    describe('Modbus TCP', () => {
      const SINGLE_UNIT = 1;
      const GROUP_UNITS = [11, 12] as const;
      let singleEndpoint: ModbusEndpoint;
      let groupEndpoint: ModbusEndpoint;

      beforeAll(async () => {
        [singleEndpoint, groupEndpoint] = await Promise.all([
          freePort().then((port) => startModbusEndpoint({ plc: probe, units: [{ substation: single, unitId: SINGLE_UNIT }], port })),
          freePort().then((port) =>
            startModbusEndpoint({
              plc: probe,
              units: group.map((substation, i) => ({ substation, unitId: GROUP_UNITS[i] })),
              port,
            }),
          ),
        ]);
      });

      afterAll(async () => {
        await Promise.all([singleEndpoint?.close(), groupEndpoint?.close()]);
      });

      function portOf(endpoint: ModbusEndpoint): number {
        return Number(new URL(endpoint.url).port);
      }

      async function withClient(endpoint: ModbusEndpoint, unitId: number, fn: (client: ModbusRTU) => Promise<void>): Promise<void> {
        const client = new ModbusRTU();
        await client.connectTCP('127.0.0.1', { port: portOf(endpoint) });
        client.setID(unitId);
        client.setTimeout(2000);
        try {
          await fn(client);
        } finally {
          // close() never calls back on a port the server already dropped.
          if (client.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
        }
      }

      /** The Modbus exception code a request failed with, or undefined if it succeeded. */
      async function exceptionOf(request: Promise<unknown>): Promise<number | undefined> {
        try {
          await request;
          return undefined;
        } catch (err) {
          const code = (err as { modbusCode?: unknown }).modbusCode;
          if (typeof code !== 'number') throw err;
          return code;
        }
      }

      async function expectRegistersMatchPlc(client: ModbusRTU, substation: string): Promise<void> {
        for (const [start, count] of [
          [0, 26],
          [100, 4],
        ] as const) {
          const tags = TAGS.filter((t) => t.modbus.address >= start && t.modbus.address < start + count);
          const before = tags.map((t) => probe.read(substation, t.name));
          const holding = (await client.readHoldingRegisters(start, count)).data;
          const input = (await client.readInputRegisters(start, count)).data;
          const after = tags.map((t) => probe.read(substation, t.name));
          tags.forEach((def, i) => {
            const got = decodeFromBlock(def, holding, start);
            expectSameAsPlc(def, got, before[i], after[i], 1 / def.modbus.scale);
            expect(decodeFromBlock(def, input, start), `${def.name} via FC4`).toEqual(got);
          });
        }
      }

      it('serves every tag of every unit within one scale step of the PLC value', async () => {
        await withClient(singleEndpoint, SINGLE_UNIT, (client) => expectRegistersMatchPlc(client, single));
        for (const [i, substation] of group.entries()) {
          await withClient(groupEndpoint, GROUP_UNITS[i], (client) => expectRegistersMatchPlc(client, substation));
        }
      });

      it('answers exception 2 for a read touching an undefined register', async () => {
        await withClient(singleEndpoint, SINGLE_UNIT, async (client) => {
          expect(await exceptionOf(client.readHoldingRegisters(26, 1))).toBe(2);
          expect(await exceptionOf(client.readHoldingRegisters(20, 10))).toBe(2);
          expect(await exceptionOf(client.readHoldingRegisters(99, 2))).toBe(2);
          expect(await exceptionOf(client.readHoldingRegisters(22, 2))).toBeUndefined();
        });
      });

      it('writes a setpoint with FC6 and FC16 and reads it back', async () => {
        await withClient(singleEndpoint, SINGLE_UNIT, async (client) => {
          const valve = tagDefinition('primary.valve_setpoint');
          const value = freshValue(valve, probe.read(single, valve.name));
          await client.writeRegister(valve.modbus.address, Math.round(value * valve.modbus.scale));
          expect(probe.read(single, valve.name)).toBeCloseTo(value, 6);

          const supply = tagDefinition('secondary.supply_temp_setpoint');
          const pump = tagDefinition('pump.frequency_setpoint');
          const supplyValue = freshValue(supply, probe.read(single, supply.name));
          const pumpValue = freshValue(pump, probe.read(single, pump.name));
          const count = probe.writes.length;
          await client.writeRegisters(supply.modbus.address, [supplyValue * supply.modbus.scale, pumpValue * pump.modbus.scale].map(Math.round));
          expect(probe.writes.slice(count).map((w) => w.tag)).toEqual([supply.name, pump.name]);
          expect(probe.read(single, supply.name)).toBeCloseTo(supplyValue, 6);
          expect(probe.read(single, pump.name)).toBeCloseTo(pumpValue, 6);
          const back = (await client.readHoldingRegisters(valve.modbus.address, 3)).data;
          expect(decodeFromBlock(valve, back, valve.modbus.address)).toBeCloseTo(value, 6);
          expect(decodeFromBlock(pump, back, valve.modbus.address)).toBeCloseTo(pumpValue, 6);
        });
      });

      it('refuses bad writes with exceptions 2 and 3 before they reach the PLC', async () => {
        await withClient(singleEndpoint, SINGLE_UNIT, async (client) => {
          const count = probe.writes.length;
          expect(await exceptionOf(client.writeRegister(100, 20))).toBe(3); // 2 % < 5 % minimum
          expect(await exceptionOf(client.writeRegister(101, 0xffff))).toBe(3); // −0.1 °C
          expect(await exceptionOf(client.writeRegister(0, 500))).toBe(2); // a measurement
          expect(await exceptionOf(client.writeRegister(21, 1))).toBe(2); // status bits
          expect(await exceptionOf(client.writeRegister(200, 1))).toBe(2); // nothing there
          expect(probe.writes.slice(count)).toEqual([]);
        });
      });

      it('writes nothing of an FC16 request with one bad register', async () => {
        await withClient(singleEndpoint, SINGLE_UNIT, async (client) => {
          const tags: TagName[] = ['primary.valve_setpoint', 'secondary.supply_temp_setpoint', 'pump.frequency_setpoint', 'control.mode_setpoint'];
          const before = tags.map((t) => probe.read(single, t));
          const count = probe.writes.length;
          expect(await exceptionOf(client.writeRegisters(100, [500, 9999, 400, 1]))).toBe(3);
          expect(await exceptionOf(client.writeRegisters(100, [500, 600, 400, 1, 0, 7]))).toBe(2); // 105: nothing there
          expect(probe.writes.slice(count)).toEqual([]);
          expect(tags.map((t) => probe.read(single, t))).toEqual(before);
        });
      });

      it('answers exception 3 when the PLC refuses for its mode, undoing the registers already written', async () => {
        const tags: TagName[] = ['primary.valve_setpoint', 'secondary.supply_temp_setpoint', 'pump.frequency_setpoint'];
        const before = tags.map((t) => probe.read(single, t));
        probe.refuse(single, 'pump.frequency_setpoint', 'HS_ERR_PLC_MODE');
        try {
          await withClient(singleEndpoint, SINGLE_UNIT, async (client) => {
            const words = tags.map((t, i) => Math.round(freshValue(tagDefinition(t), before[i]) * tagDefinition(t).modbus.scale));
            expect(await exceptionOf(client.writeRegisters(100, words))).toBe(3);
          });
        } finally {
          probe.refuse(single, 'pump.frequency_setpoint', undefined);
        }
        expect(tags.map((t) => probe.read(single, t))).toEqual(before);
      });

      it('answers 0x0B for a unit id the endpoint does not serve', async () => {
        await withClient(groupEndpoint, 99, async (client) => {
          expect(await exceptionOf(client.readHoldingRegisters(0, 1))).toBe(0x0b);
        });
        await withClient(singleEndpoint, SINGLE_UNIT + 1, async (client) => {
          expect(await exceptionOf(client.readHoldingRegisters(0, 1))).toBe(0x0b);
        });
      });

      it('answers 0x0B for a silent unit of a group while the others answer, and recovers', async () => {
        const [silentUnit, otherUnit] = GROUP_UNITS;
        await withClient(groupEndpoint, silentUnit, async (client) => {
          await whileSilent(group[0], async () => {
            expect(await exceptionOf(client.readHoldingRegisters(0, 4))).toBe(0x0b);
            const count = probe.writes.length;
            expect(await exceptionOf(client.writeRegister(100, 500))).toBe(0x0b);
            expect(probe.writes.slice(count)).toEqual([]);
            client.setID(otherUnit);
            expect(await exceptionOf(client.readHoldingRegisters(0, 4))).toBeUndefined();
            client.setID(silentUnit);
          });
          expect(await exceptionOf(client.readHoldingRegisters(0, 4))).toBeUndefined();
        });
      });

      it('closes a single-PLC endpoint while its substation is silent and reopens the same port', async () => {
        await withClient(singleEndpoint, SINGLE_UNIT, async (client) => {
          await whileSilent(single, async () => {
            await vi.waitFor(() => expect(client.isOpen).toBe(false), WAIT);
            await expect(new ModbusRTU().connectTCP('127.0.0.1', { port: portOf(singleEndpoint) })).rejects.toThrow(/ECONNREFUSED/);
          });
        });
        await vi.waitFor(() => withClient(singleEndpoint, SINGLE_UNIT, (client) => expectRegistersMatchPlc(client, single)), WAIT);
      });
    });
  });
}
