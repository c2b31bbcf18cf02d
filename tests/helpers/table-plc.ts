// A PlcAccess that is only a table: one value per substation and tag, writes range-checked
// against the catalogue, answering switched by hand. The protocol-server tests run against it;
// the integration tests run the same suite against the real plant.

import { HeatScadaError } from '../../model/errors.ts';
import { TAGS, TAG_BY_NAME, inRange, type TagName } from '../../model/tags.ts';
import type { PlcAccess, PlcWriteResult, SubstationProtocol } from '../../simulators/plc-access.ts';

type Value = number | boolean;

export class TablePlc implements PlcAccess {
  readonly substationIds: readonly string[];
  readonly #values = new Map<string, Map<TagName, Value>>();
  readonly #silent = new Set<string>();
  readonly #listeners = new Set<(substation: string, answers: boolean) => void>();
  readonly #protocols: ReadonlyMap<string, SubstationProtocol>;

  /** Every substation starts mid-range on every tag (to the register resolution), status bits false, answering. */
  constructor(substations: readonly string[], protocols: Readonly<Record<string, SubstationProtocol>> = {}) {
    this.substationIds = [...substations];
    this.#protocols = new Map(Object.entries(protocols));
    for (const sub of substations) {
      this.#values.set(
        sub,
        new Map(TAGS.map((t) => [t.name, t.valueType === 'boolean' ? false : Math.round(((t.min + t.max) / 2) * t.modbus.scale) / t.modbus.scale])),
      );
    }
  }

  protocolOf(substation: string): SubstationProtocol {
    this.#table(substation);
    return this.#protocols.get(substation) ?? 'opcua';
  }

  read(substation: string, tag: TagName): Value {
    const value = this.#table(substation).get(tag);
    if (value === undefined) throw new HeatScadaError('HS_ERR_UNKNOWN_TAG', undefined, `${substation}.${tag}`);
    return value;
  }

  write(substation: string, tag: TagName, value: number): PlcWriteResult {
    const def = TAG_BY_NAME.get(tag);
    const path = `${substation}.${tag}`;
    if (!this.#values.has(substation)) return { ok: false, code: 'HS_ERR_UNKNOWN_SUBSTATION', reason: path };
    if (!def) return { ok: false, code: 'HS_ERR_UNKNOWN_TAG', reason: path };
    if (!def.writable) return { ok: false, code: 'HS_ERR_NOT_WRITABLE', reason: path };
    if (!this.answers(substation)) return { ok: false, code: 'HS_ERR_PLC_OFFLINE', reason: path };
    if (!inRange(def, value)) return { ok: false, code: 'HS_ERR_OUT_OF_RANGE', reason: `${path} = ${value}` };
    this.#table(substation).set(tag, value);
    return { ok: true, value };
  }

  /** Puts a value straight into the table, as the plant would: no checks. */
  set(substation: string, tag: TagName, value: Value): void {
    this.#table(substation).set(tag, value);
  }

  answers(substation: string): boolean {
    this.#table(substation);
    return !this.#silent.has(substation);
  }

  setAnswering(substation: string, answers: boolean): void {
    if (this.answers(substation) === answers) return;
    if (answers) this.#silent.delete(substation);
    else this.#silent.add(substation);
    for (const listener of this.#listeners) listener(substation, answers);
  }

  onAnswersChange(listener: (substation: string, answers: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #table(substation: string): Map<TagName, Value> {
    const table = this.#values.get(substation);
    if (!table) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', undefined, substation);
    return table;
  }
}
