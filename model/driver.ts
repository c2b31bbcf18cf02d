import type { Point } from './point.ts';
import type { PlcWriteOutcome } from './command.ts';

// The Driver seam: one implementation per protocol folder in collectors/ (opcua/, modbus/).
// A driver reads one device (a substation PLC) and knows nothing of MQTT or Sparkplug.

export type DriverState = 'connecting' | 'connected' | 'disconnected';

export interface Driver {
  /** The substation this device serves. */
  readonly substation: string;
  /** Tags this driver's configuration maps. */
  readonly tags: readonly string[];
  /** Connects (and keeps reconnecting with back-off on its own until close()). */
  connect(): Promise<void>;
  /** Reads every mapped tag once. Points of tags that failed carry quality 'bad'. */
  read(): Promise<Point[]>;
  /**
   * Delivers changes as they happen where the protocol can push (OPC UA subscriptions);
   * drivers that must poll call `onPoints` from their own poll timer. Returns a stop function.
   */
  subscribe(onPoints: (points: Point[]) => void, intervalMs: number): Promise<() => Promise<void>>;
  /** Writes one tag, then reads it back. Never throws for a refused write: it says why. */
  write(tag: string, value: number): Promise<PlcWriteOutcome>;
  /** Tells the collector when the device link comes and goes (DDEATH / DBIRTH). */
  onStateChange(listener: (state: DriverState, reason?: string) => void): () => void;
  readonly state: DriverState;
  close(): Promise<void>;
}
