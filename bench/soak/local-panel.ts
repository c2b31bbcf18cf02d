// The soak's hand at a PLC's local panel. A stuck valve only shows while its command moves; at
// soak speeds the PLCs run their own supply-temperature loop (the centre's 15-minute watchdog is
// a second of wall time), and a loop at rest or saturated does not move the valve. So during a
// valve_stuck or sensor_frozen fault the soak swings the supply setpoint, over Modbus TCP as a
// panel or a site laptop would, and the PLC's loop commands the valve to follow. The writes go
// through the PLC's own checks and into the served ledger; the setpoint is put back afterwards.

import modbusSerial from 'modbus-serial';
import { TAGS } from '../../model/tags.ts';
import { decodeWords, encodeValue, wordCount } from '../../simulators/servers/register-map.ts';

const ModbusRTU = modbusSerial.default;
const SETPOINT = TAGS.find((t) => t.name === 'secondary.supply_temp_setpoint')!;

export interface ModbusDevice {
  url: string;
  unit_id: number;
}

/** A hand that swings a PLC's supply setpoint until stopped, and then puts the original back. */
export interface SetpointSwing {
  stop(): Promise<void>;
}

/**
 * Lowers the secondary supply setpoint by `byK` (within its range) now, raises it back and
 * lowers it again every `periodMs`, so the PLC's loop keeps the valve travelling for as long as
 * a fault lasts (a frozen sensor is judged only while the valve is alive); stop() restores it.
 */
export async function swingSupplySetpoint(device: ModbusDevice, byK: number, periodMs: number): Promise<SetpointSwing> {
  const original = await withPanel(device, (panel) => panel.read());
  const low = Math.min(SETPOINT.max, Math.max(SETPOINT.min, original - byK));
  await withPanel(device, (panel) => panel.write(low));
  let lowered = true;
  let moving = Promise.resolve();
  const timer = setInterval(() => {
    lowered = !lowered;
    const target = lowered ? low : original;
    moving = moving.then(() => withPanel(device, (panel) => panel.write(target))).catch(() => undefined);
  }, periodMs);
  return {
    async stop() {
      clearInterval(timer);
      await moving;
      await withPanel(device, (panel) => panel.write(original));
    },
  };
}

interface Panel {
  read(): Promise<number>;
  write(value: number): Promise<void>;
}

/** One Modbus TCP connection to the PLC for one use, as a site laptop plugs in and out. */
async function withPanel<T>(device: ModbusDevice, use: (panel: Panel) => Promise<T>): Promise<T> {
  const { hostname, port } = new URL(device.url.replace(/^modbus-tcp:/, 'http:'));
  const client = new ModbusRTU();
  await client.connectTCP(hostname, { port: Number(port) });
  try {
    client.setID(device.unit_id);
    client.setTimeout(5000);
    return await use({
      read: async () => Number(decodeWords(SETPOINT, (await client.readHoldingRegisters(SETPOINT.modbus.address, wordCount(SETPOINT))).data)),
      write: async (value) => void (await client.writeRegisters(SETPOINT.modbus.address, encodeValue(SETPOINT, value))),
    });
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}
