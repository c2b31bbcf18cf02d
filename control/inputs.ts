import type { TimeSeriesStore } from '../model/store.ts';
import type { TagName } from '../model/tags.ts';
import { CONTROL_MODES } from '../model/tags.ts';
import type { SubstationInputs } from './balance.ts';

// Where the loop's inputs come from: the store in production (latest values and windowed
// averages, never a PLC), the plant itself in the benchmark. Each snapshot says how old its
// oldest required value is, for the stale guard.

export interface InputSnapshot {
  inputs: SubstationInputs;
  /**
   * When the substation last proved its data current, ms (in the source's own time base): the
   * PLC heartbeat's time. Values travel by exception, so a setpoint unchanged for hours is still
   * current while the heartbeat, which moves every second, keeps arriving.
   */
  oldestTs: number;
}

export interface SourceSnapshot {
  offsetK: number;
  oldestTs: number;
}

export interface InputSource {
  /** The time base of the snapshot timestamps, ms: what `oldestTs` is judged against. */
  now(): number;
  /** One snapshot per substation that has every required value; the rest are missing. */
  snapshot(substations?: readonly string[]): Promise<Map<string, InputSnapshot>>;
  /** The heat source's supply offset setpoint as its PLC has it, with its heartbeat's time (the stale guard); undefined without data. */
  source?(sourceId: string): Promise<SourceSnapshot | undefined>;
}

const LATEST_TAGS = ['plc.heartbeat', 'control.mode', 'outdoor.temp', 'secondary.supply_temp', 'secondary.return_temp', 'primary.valve_position', 'primary.valve_setpoint', 'secondary.supply_temp_setpoint'] as const satisfies readonly TagName[];
const INDOOR_TAGS = ['indoor.temp_min', 'indoor.temp_avg'] as const satisfies readonly TagName[];
const AVERAGED_TAGS = ['outdoor.temp', 'secondary.supply_temp', 'secondary.return_temp', 'indoor.temp_min', 'indoor.temp_avg'] as const satisfies readonly TagName[];

/**
 * Inputs from a TimeSeriesStore: latest values, and averages over the window where it holds any.
 * The window is in control time; `speed` (control seconds per wall second, the simulator's speed
 * when control runs on its time) turns it into the store's wall-time stamps.
 */
export function storeInputs(store: TimeSeriesStore, windowS: number, now: () => number = Date.now, speed: () => number = () => 1): InputSource {
  return {
    now,
    async snapshot(substations) {
      const filter = substations ? { substations: [...substations], tags: [...LATEST_TAGS, ...INDOOR_TAGS] } : { tags: [...LATEST_TAGS, ...INDOOR_TAGS] };
      const latest = await store.latest(filter);
      const by = new Map<string, Map<string, { value: number; ts: number }>>();
      for (const p of latest) {
        if (p.quality === 'bad' || typeof p.value !== 'number') continue;
        const m = by.get(p.substation) ?? new Map<string, { value: number; ts: number }>();
        m.set(p.tag, { value: p.value, ts: p.ts });
        by.set(p.substation, m);
      }
      const to = now();
      const windowMs = (windowS * 1000) / speed();
      const ids = [...by.keys()];
      const ranges = ids.length === 0 ? [] : await store.range({ series: ids.flatMap((substation) => AVERAGED_TAGS.map((tag) => ({ substation, tag }))), from: to - windowMs, to: to + 1, stepMs: windowMs, agg: 'avg' });
      const avg = new Map<string, number>();
      for (const r of ranges) {
        const good = r.points.filter((p) => p.quality !== 'bad');
        if (good.length > 0) avg.set(`${r.substation}/${r.tag}`, good.reduce((s, p) => s + p.value, 0) / good.length);
      }
      const out = new Map<string, InputSnapshot>();
      for (const [id, m] of by) {
        if (!LATEST_TAGS.every((t) => m.has(t))) continue;
        const value = (tag: TagName): number => avg.get(`${id}/${tag}`) ?? m.get(tag)!.value;
        const mode = CONTROL_MODES[Math.round(m.get('control.mode')!.value)] ?? 'manual';
        const indoor = (tag: TagName): number | undefined => (m.has(tag) ? value(tag) : undefined);
        out.set(id, {
          oldestTs: m.get('plc.heartbeat')!.ts,
          inputs: {
            mode,
            outdoorC: value('outdoor.temp'),
            supplyC: value('secondary.supply_temp'),
            returnC: value('secondary.return_temp'),
            indoorMinC: indoor('indoor.temp_min'),
            indoorAvgC: indoor('indoor.temp_avg'),
            valvePct: m.get('primary.valve_position')!.value,
            valveSetpointPct: m.get('primary.valve_setpoint')!.value,
            supplySetpointC: m.get('secondary.supply_temp_setpoint')!.value,
          },
        });
      }
      return out;
    },
    async source(sourceId) {
      const points = await store.latest({ substations: [sourceId], tags: ['source.supply_offset_setpoint', 'plc.heartbeat'] });
      const offset = points.find((p) => p.tag === 'source.supply_offset_setpoint');
      const beat = points.find((p) => p.tag === 'plc.heartbeat');
      if (!offset || !beat || offset.quality === 'bad' || typeof offset.value !== 'number') return undefined;
      return { offsetK: offset.value, oldestTs: beat.ts };
    },
  };
}
