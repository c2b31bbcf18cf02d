import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { isHeatScadaError } from '../../model/errors.ts';
import { loadDocument, validateDocument } from '../../model/validate.ts';

// Which edge node carries each device. The store, the live table and control's command routing
// key on the device id (the substation) alone, so a second edge node's DBIRTH for S001 would
// take S001 over: its values, its status, its commands. A host therefore remembers the edge
// node that first births a device and refuses the device from any other, until an operator
// pins it to the new one in the owners file (`heatscada device move S001 --to collector-2`).
// The file is read only when it can matter (a device's first birth, or a conflict): rarely.

/** `{ "S001": "heatscada/collector-2" }`: devices an operator placed on an edge node (group/edge). */
export const DeviceOwnersFileSchema = Type.Record(Type.String({ pattern: '^[^/+#]+$' }), Type.String({ pattern: '^[^/+#]+/[^/+#]+$' }));

/** Where hosts and `heatscada device move` look unless told otherwise (relative to the working directory). */
export const DEFAULT_DEVICE_OWNERS_FILE = './data/device-owners.json';

export const nodeKey = (group: string, edge: string): string => `${group}/${edge}`;

export class DeviceOwners {
  private readonly owners = new Map<string, string>();
  private pins: { mtimeMs: number; byDevice: Record<string, string> } | undefined;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  /**
   * True when this edge node may carry the device: it is pinned there, or, unpinned, it is the
   * first to birth it (or already does). A refusal is the caller's to count and log.
   */
  claim(substation: string, group: string, edge: string): boolean {
    const node = nodeKey(group, edge);
    const owner = this.owners.get(substation);
    if (owner === node) return true;
    const pinned = this.pinned(substation);
    if (pinned !== undefined ? pinned !== node : owner !== undefined) return false;
    if (owner !== undefined) this.log.info({ event: 'device_moved', substation, from: owner, to: node }, 'device moved to another edge node by the operator');
    this.owners.set(substation, node);
    return true;
  }

  /** True when another edge node carries the device (a data or death message does not claim it). */
  elsewhere(substation: string, group: string, edge: string): boolean {
    const owner = this.owners.get(substation);
    return owner !== undefined && owner !== nodeKey(group, edge);
  }

  /** The edge node (group/edge) that carries the device, if one has. */
  ownerOf(substation: string): string | undefined {
    return this.owners.get(substation);
  }

  private pinned(substation: string): string | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      const { mtimeMs } = statSync(this.file);
      if (this.pins?.mtimeMs !== mtimeMs) this.pins = { mtimeMs, byDevice: loadDocument(DeviceOwnersFileSchema, this.file, 'HS_ERR_CONFIG_INVALID') };
    } catch (e) {
      // A broken file pins nothing: devices keep the owner they have, and nothing moves.
      this.log.error({ code: isHeatScadaError(e) ? e.code : 'HS_ERR_CONFIG_READ', file: this.file, reason: (e as Error).message }, 'device owners file unreadable');
      return undefined;
    }
    return this.pins.byDevice[substation];
  }
}

/** Reads the owners file for `heatscada device move` (an absent file pins nothing). */
export function readDeviceOwners(file: string): Record<string, string> {
  return existsSync(file) ? { ...loadDocument(DeviceOwnersFileSchema, file, 'HS_ERR_CONFIG_INVALID') } : {};
}

/** Pins a device to an edge node (written whole: temporary file, then rename); returns the line to print. */
export function moveDevice(file: string, substation: string, group: string, edge: string): string {
  const pins = readDeviceOwners(file);
  pins[substation] = nodeKey(group, edge);
  validateDocument(DeviceOwnersFileSchema, pins, 'HS_ERR_BAD_REQUEST', file);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(pins, null, 2)}\n`);
  renameSync(temporary, file);
  return `${substation} pinned to edge node ${edge} (group ${group}) in ${file}; hosts accept its next DBIRTH from there and refuse it from any other`;
}
