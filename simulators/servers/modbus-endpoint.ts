// The Modbus TCP face of one substation PLC, or of a gateway in front of several (one unit id
// each). Holding registers follow register-map.ts; every request reads or writes PlcAccess
// directly, the server keeps no register image of its own.

import { ServerTCP, type FCallbackVal, type IServiceVector } from 'modbus-serial';
import { HeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { PlcAccess } from '../plc-access.ts';
import { followAnswering, serverLog } from './answering.ts';
import { planRegisterWrite, readRegisters, type TagWrite, type Word } from './register-map.ts';

export interface ModbusUnit {
  substation: string;
  unitId: number;
}

export interface ModbusEndpointOptions {
  plc: PlcAccess;
  units: ModbusUnit[];
  port: number;
  /** Address to bind; 127.0.0.1 unless given. */
  host?: string;
}

export interface ModbusEndpoint {
  /** modbus-tcp://host:port */
  url: string;
  units: ModbusUnit[];
  close(): Promise<void>;
}

/** The exception codes this server answers with (Modbus application protocol, §7). */
export const ModbusExceptionCode = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  gatewayTargetFailedToRespond: 0x0b,
} as const;

/** Protocol limit on registers per read request. */
const MAX_READ_REGISTERS = 125;
/** A PLC giving half answers answers its measurements and leaves reads reaching this register (the setpoints) unanswered. */
export const HALF_ANSWER_FROM = 100;

const EXCEPTION_BY_ERROR: Partial<Record<ErrorCode, number>> = {
  HS_ERR_OUT_OF_RANGE: ModbusExceptionCode.illegalDataValue,
  HS_ERR_WRONG_TYPE: ModbusExceptionCode.illegalDataValue,
  // Modbus has no "wrong state" code; a value the PLC will not take now is an illegal value.
  HS_ERR_PLC_MODE: ModbusExceptionCode.illegalDataValue,
  HS_ERR_NOT_WRITABLE: ModbusExceptionCode.illegalDataAddress,
  HS_ERR_UNKNOWN_TAG: ModbusExceptionCode.illegalDataAddress,
  HS_ERR_PLC_OFFLINE: ModbusExceptionCode.gatewayTargetFailedToRespond,
  HS_ERR_UNKNOWN_SUBSTATION: ModbusExceptionCode.gatewayTargetFailedToRespond,
};

/** modbus-serial's ServerTCP answers an exception when the vector throws an object with modbusErrorCode. */
class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const log = serverLog('modbus-server');

export async function startModbusEndpoint(opts: ModbusEndpointOptions): Promise<ModbusEndpoint> {
  const { plc, port } = opts;
  const units = opts.units.map((u) => ({ ...u }));
  const host = opts.host ?? '127.0.0.1';
  const url = `modbus-tcp://${host}:${port}`;
  validate(plc, units);

  const vector = serviceVector(plc, new Map(units.map((u) => [u.unitId, u.substation])));
  const listen = (): Promise<ServerTCP> => listenTcp(vector, host, port);
  let server: ServerTCP | undefined = await listen();

  // A single PLC goes silent with its substation: the port closes, open connections drop,
  // and it listens again on the same port when the substation answers. A gateway stays up
  // and answers 0x0B for the silent unit (see serviceVector).
  const stopFollowing =
    units.length === 1
      ? await followAnswering(
          plc,
          units[0].substation,
          {
            silence: async () => {
              const open = server;
              server = undefined;
              if (open) await closeTcp(open);
            },
            revive: async () => {
              server = await listen();
            },
          },
          (event, fields) => log(event, { ...fields, url }),
        )
      : undefined;

  let closed: Promise<void> | undefined;
  return {
    url,
    units,
    close: () => {
      closed ??= (async () => {
        await stopFollowing?.();
        const open = server;
        server = undefined;
        if (open) await closeTcp(open);
      })();
      return closed;
    },
  };
}

function validate(plc: PlcAccess, units: readonly ModbusUnit[]): void {
  if (units.length === 0) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'an endpoint serves at least one unit', 'units');
  units.forEach(({ substation, unitId }, i) => {
    if (!plc.substationIds.includes(substation)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', substation, `units[${i}].substation`);
    if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) {
      throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `unit id ${unitId} outside 1…247`, `units[${i}].unitId`);
    }
    if (units.findIndex((u) => u.unitId === unitId) !== i) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `unit id ${unitId} used twice`, `units[${i}].unitId`);
  });
}

/**
 * The request handlers. Function codes 3 and 4 read the same holding registers, 6 and 16
 * write them; coils and discrete inputs do not exist (exception 1). Errors are thrown as
 * ModbusException, which ServerTCP turns into the exception response.
 */
function serviceVector(plc: PlcAccess, substationByUnit: ReadonlyMap<number, string>): IServiceVector {
  const substationOf = (unitId: number): string => {
    const substation = substationByUnit.get(unitId);
    if (substation === undefined) throw new ModbusException(ModbusExceptionCode.gatewayTargetFailedToRespond, `unit ${unitId} not served`);
    if (!plc.answers(substation)) throw new ModbusException(ModbusExceptionCode.gatewayTargetFailedToRespond, `${substation} does not answer`);
    return substation;
  };

  const read = (address: number, count: number, unitId: number): Word[] => {
    const substation = substationOf(unitId);
    if (plc.modbusAnswer?.(substation) === 'exception') throw new ModbusException(ModbusExceptionCode.serverDeviceFailure, `${substation} reports a device failure`);
    if (count > MAX_READ_REGISTERS) throw new ModbusException(ModbusExceptionCode.illegalDataValue, `cannot read ${count} registers`);
    // Modbus carries no status: a PLC that flags an input as failed sends its wire-break code (NaN's encoding).
    const result = readRegisters(address, count, (tag) => (plc.badStatus?.(substation, tag) ? Number.NaN : plc.read(substation, tag)));
    if (!result.ok) throw new ModbusException(ModbusExceptionCode.illegalDataAddress, `register ${result.address} is not defined`);
    return result.words;
  };

  const write = (address: number, words: readonly Word[], unitId: number): void => {
    const substation = substationOf(unitId);
    const plan = planRegisterWrite(address, words);
    if (!plan.ok) {
      const code = plan.fault === 'illegal-value' ? ModbusExceptionCode.illegalDataValue : ModbusExceptionCode.illegalDataAddress;
      throw new ModbusException(code, plan.reason);
    }
    applyAll(plc, substation, plan.writes);
  };

  const noBits = (): never => {
    throw new ModbusException(ModbusExceptionCode.illegalFunction, 'no coils or discrete inputs');
  };

  // ServerTCP picks the calling convention by arity: readOne returns or throws; readMany takes a
  // callback, which a PLC giving half answers never calls for the part it leaves out.
  const readOne = (address: number, unitId: number): Word => read(address, 1, unitId)[0];
  const readMany = (address: number, length: number, unitId: number, done: FCallbackVal<Word[]>): void => {
    let words: Word[];
    try {
      const substation = substationByUnit.get(unitId);
      const half = substation !== undefined && plc.modbusAnswer?.(substation) === 'half';
      if (half && address + length > HALF_ANSWER_FROM) return;
      words = read(address, length, unitId);
    } catch (err) {
      // A ModbusException: ServerTCP answers its modbusErrorCode.
      done(err as Error, []);
      return;
    }
    done(null, words);
  };
  return {
    getHoldingRegister: readOne,
    getMultipleHoldingRegisters: readMany,
    getInputRegister: readOne,
    getMultipleInputRegisters: readMany,
    setRegister: (address: number, value: Word, unitId: number): void => write(address, [value], unitId),
    setRegisterArray: (address: number, values: Word[], unitId: number): void => write(address, values, unitId),
    getCoil: noBits,
    getDiscreteInput: noBits,
    setCoil: noBits,
  };
}

/**
 * Applies a checked multi-register write tag by tag. When the PLC refuses one (its mode, say),
 * the tags already written get their previous values back, so the request writes nothing.
 */
function applyAll(plc: PlcAccess, substation: string, writes: readonly TagWrite[]): void {
  const undo: TagWrite[] = [];
  for (const { tag, value } of writes) {
    const previous = Number(plc.read(substation, tag));
    const result = plc.write(substation, tag, value);
    if (!result.ok) {
      for (const back of undo.reverse()) {
        const restored = plc.write(substation, back.tag, back.value);
        if (!restored.ok) log('rollback failed', { substation, tag: back.tag, code: restored.code, reason: restored.reason });
      }
      throw new ModbusException(EXCEPTION_BY_ERROR[result.code] ?? ModbusExceptionCode.serverDeviceFailure, `${substation}.${tag}: ${result.reason}`);
    }
    undo.push({ tag, value: previous });
  }
}

function listenTcp(vector: IServiceVector, host: string, port: number): Promise<ServerTCP> {
  return new Promise((resolve, reject) => {
    // unitID 255: take every unit id and route it in the vector, so an unknown one gets 0x0B
    // instead of silence.
    const server = new ServerTCP(vector, { host, port, unitID: 255 });
    const failed = (err: Error | null): void => reject(err ?? new Error(`cannot listen on ${host}:${port}`));
    server.once('serverError', failed);
    server.once('initialized', () => {
      server.off('serverError', failed);
      server.on('serverError', (err: Error | null) => log('server error', { host, port, error: String(err) }));
      resolve(server);
    });
    // A client resetting its connection is routine, not worth a line each time.
    server.on('socketError', () => undefined);
  });
}

/** Closes the listener and destroys the open connections; resolves once the port is free. */
function closeTcp(server: ServerTCP): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}
