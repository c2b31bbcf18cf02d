// The simulator's protocol servers in front of the real plant: the shared protocol suite, then
// what only a running plant shows — writes that move the plant, the PLC watchdog and power loss,
// all seen through real OPC UA and Modbus TCP clients over loopback.

import modbusSerial from 'modbus-serial';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlMode } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { WATCHDOG_S } from '../simulators/plc/plc.ts';
import { startModbusEndpoint, type ModbusEndpoint } from '../simulators/servers/modbus-endpoint.ts';
import { describeProtocolServers } from './helpers/protocol-suite.ts';
import { freePort } from './helpers/ports.ts';

const START = Date.UTC(2026, 0, 15, 0);

function realPlant(mode: 0 | 1 | 2): Plant {
  return new Plant(generateCity({ substations: 4, seed: 3 }), { startMs: START, mode, warmUpS: 1800 });
}

describeProtocolServers('the real plant', () => {
  const plant = realPlant(ControlMode.manual);
  const cut = new Map<string, number>();
  return {
    plc: plant,
    setAnswering(substation, answers) {
      if (!answers) cut.set(substation, plant.injectFault({ kind: 'comm_loss', substation }).id);
      else if (cut.has(substation)) plant.clearFault(cut.get(substation)!);
    },
  };
});

describe('the plant behind Modbus TCP', () => {
  const ModbusRTU = modbusSerial.default;
  let plant: Plant;
  let endpoint: ModbusEndpoint;
  let client: InstanceType<typeof ModbusRTU>;
  const SUB = 'S001';

  beforeAll(async () => {
    plant = realPlant(ControlMode.local);
    endpoint = await startModbusEndpoint({ plc: plant, units: [{ substation: SUB, unitId: 1 }], port: await freePort() });
    client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port: Number(new URL(endpoint.url).port) });
    client.setID(1);
    client.setTimeout(1000);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      if (!client.isOpen) return resolve();
      client.close(() => resolve());
      setTimeout(resolve, 200);
    });
    await endpoint.close();
  });

  /** The endpoint reopens its port a moment after power returns: try for up to five seconds. */
  async function reconnect(port: number): Promise<InstanceType<typeof ModbusRTU>> {
    for (let attempt = 0; ; attempt++) {
      const again = new ModbusRTU();
      try {
        await again.connectTCP('127.0.0.1', { port });
        again.setID(1);
        return again;
      } catch (e) {
        if (attempt >= 50) throw e;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  const register = async (address: number): Promise<number> => (await client.readHoldingRegisters(address, 1)).data[0];

  it('moves the plant when the centre writes a valve setpoint in remote mode', async () => {
    await client.writeRegister(103, ControlMode.remote);
    const flowBefore = (await register(4)) / 10;
    const valveBefore = (await register(5)) / 10;
    const target = valveBefore > 50 ? valveBefore - 30 : valveBefore + 30;
    await client.writeRegister(100, Math.round(target * 10));
    plant.advance(60);
    expect((await register(5)) / 10).toBeCloseTo(target, 0);
    const flowAfter = (await register(4)) / 10;
    expect(Math.sign(flowAfter - flowBefore)).toBe(Math.sign(target - valveBefore));
  });

  it('falls back to local when the centre stays silent for 15 minutes', async () => {
    await client.writeRegister(103, ControlMode.remote);
    plant.advance(WATCHDOG_S - 30);
    expect(await register(23)).toBe(ControlMode.remote);
    plant.advance(60);
    expect(await register(23)).toBe(ControlMode.local);
    expect(await register(103)).toBe(ControlMode.remote);
  });

  it('stops answering on power loss and answers again when power returns', async () => {
    const heartbeat = await register(22);
    const fault = plant.injectFault({ kind: 'power_loss', substation: SUB });
    await expect(client.readHoldingRegisters(0, 24)).rejects.toBeTruthy();
    plant.advance(30);
    plant.clearFault(fault.id);
    plant.advance(5);
    const again = await reconnect(Number(new URL(endpoint.url).port));
    const status = (await again.readHoldingRegisters(21, 2)).data;
    expect(status[0] & 0b1000).toBe(0b1000); // power.ok
    expect(status[1]).toBe((heartbeat + 5) % 65536); // the heartbeat stood still while the power was off
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});
