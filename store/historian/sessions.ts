import { BD_SEQ, type SparkplugPayload } from '../../model/sparkplug.ts';
import type { AliasTable } from './aliases.ts';
import { nodeKey } from './owners.ts';

// One session per edge node: from its NBIRTH to its NDEATH (or the next NBIRTH). It holds what
// the births taught (alias tables of the node and of each device) and the last seq seen.

export class EdgeSession {
  /** The seq of the last message of this session. */
  seq: number;
  /** A device's alias table from its DBIRTH, by device id (the substation). */
  readonly devices = new Map<string, AliasTable>();

  constructor(
    readonly group: string,
    readonly edge: string,
    /** The bdSeq of the NBIRTH: only an NDEATH with the same one ends this session. */
    readonly bdSeq: number | undefined,
    seq: number,
    readonly node: AliasTable,
  ) {
    this.seq = seq;
  }
}

/** The bdSeq metric of an NBIRTH or NDEATH. */
export function bdSeqOf(payload: SparkplugPayload): number | undefined {
  const value = payload.metrics.find((m) => m.name === BD_SEQ)?.value;
  return typeof value === 'number' ? value : undefined;
}


export class Sessions {
  private readonly byNode = new Map<string, EdgeSession>();

  get(group: string, edge: string): EdgeSession | undefined {
    return this.byNode.get(nodeKey(group, edge));
  }

  /** A new session, replacing the node's previous one. */
  start(session: EdgeSession): void {
    this.byNode.set(nodeKey(session.group, session.edge), session);
  }

  end(session: EdgeSession): void {
    this.byNode.delete(nodeKey(session.group, session.edge));
  }

  /** Forgets a device of a node (`group/edge`): an operator moved it to another node. */
  dropDevice(node: string, substation: string): void {
    this.byNode.get(node)?.devices.delete(substation);
  }

  /** The alias table a substation's device was born with, whichever edge node carries it. */
  deviceTable(substation: string): AliasTable | undefined {
    for (const session of this.byNode.values()) {
      const table = session.devices.get(substation);
      if (table) return table;
    }
    return undefined;
  }

  counts(): { nodes: number; devices: number } {
    let devices = 0;
    for (const session of this.byNode.values()) devices += session.devices.size;
    return { nodes: this.byNode.size, devices };
  }
}
