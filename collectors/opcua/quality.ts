// OPC UA status codes → point quality, and the codes that mean the PLC (or the link to it)
// is silent rather than refusing something.

import { StatusCodes, type DataValue, type StatusCode } from 'node-opcua';
import type { Quality } from '../../model/point.ts';

/** Part 4 §7.39: the top two bits are the severity: 00 good, 01 uncertain, 10 (and 11) bad. */
export function qualityOf(status: StatusCode): Quality {
  const severity = status.value >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

const SILENT = new Set<number>(
  [
    StatusCodes.BadNoCommunication,
    StatusCodes.BadNotConnected,
    StatusCodes.BadServerNotConnected,
    StatusCodes.BadConnectionClosed,
    StatusCodes.BadSecureChannelClosed,
    StatusCodes.BadSessionClosed,
    StatusCodes.BadSessionIdInvalid,
    StatusCodes.BadTimeout,
    StatusCodes.BadRequestTimeout,
    StatusCodes.BadCommunicationError,
  ].map((s) => s.value),
);

/** The code without its info bits (the low 16), as an unsigned number. */
export function baseCode(status: StatusCode): number {
  return (status.value & 0xffff0000) >>> 0;
}

/** The device (or the server in front of it) does not answer: HS_ERR_PLC_OFFLINE, DDEATH. */
export function isSilent(status: StatusCode): boolean {
  return SILENT.has(baseCode(status));
}

export interface Sample {
  /** A number or boolean; undefined when the value is missing or of another type. */
  value: number | boolean | undefined;
  quality: Quality;
  /** When the collector received it, on the collector's clock (see sampleOf). */
  ts: number;
  /** The status says the PLC does not answer. */
  silent: boolean;
}

/**
 * A DataValue as the driver keeps it. The point's time is the collector's own clock at receipt,
 * never the server's or the source's timestamp: a PLC that hosts its server stamps values with
 * its own clock, which may drift or jump (the plc_clock alarm watches it through plc.clock), and
 * a steady value's source timestamp can be hours old. Stored times stay true UTC that way.
 */
export function sampleOf(dv: DataValue, receivedAt: number): Sample {
  const raw: unknown = dv.value?.value;
  return {
    value: typeof raw === 'number' || typeof raw === 'boolean' ? raw : undefined,
    quality: qualityOf(dv.statusCode),
    ts: receivedAt,
    silent: isSilent(dv.statusCode),
  };
}
