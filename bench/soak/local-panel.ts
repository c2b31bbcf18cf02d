// The soak's hand at a PLC's local panel. A stuck valve only shows while its command moves; at
// soak speeds the PLCs run their own supply-temperature loop (the centre's 15-minute watchdog is
// a second of wall time), and a loop at rest or saturated does not move the valve. So during a
// valve_stuck fault the soak lowers the supply setpoint, over Modbus TCP as a panel or a site
// laptop would, and the PLC's loop commands the valve to follow. The write goes through the
// PLC's own checks and into the served ledger.

import modbusSerial from 'modbus-serial';
import { TAGS } from '../../model/tags.ts';
import { decodeWords, encodeValue, wordCount } from '../../simulators/servers/register-map.ts';

const ModbusRTU = modbusSerial.default;
const SETPOINT = TAGS.find((t) => t.name === 'secondary.supply_temp_setpoint')!;

export interface ModbusDevice {
  url: string;
  unit_id: number;
}

/** Moves the secondary supply setpoint by `byK` (within its range), returns the new setpoint. */
export async function moveSupplySetpoint(device: ModbusDevice, byK: number): Promise<number> {
  const { hostname, port } = new URL(device.url.replace(/^modbus-tcp:/, 'http:'));
  const client = new ModbusRTU();
  await client.connectTCP(hostname, { port: Number(port) });
  try {
    client.setID(device.unit_id);
    client.setTimeout(5000);
    const words = (await client.readHoldingRegisters(SETPOINT.modbus.address, wordCount(SETPOINT))).data;
    const current = Number(decodeWords(SETPOINT, words));
    const target = Math.min(SETPOINT.max, Math.max(SETPOINT.min, current + byK));
    await client.writeRegisters(SETPOINT.modbus.address, encodeValue(SETPOINT, target));
    return target;
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}
