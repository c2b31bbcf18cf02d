import type { EnvelopedTag } from './envelope.ts';

// The loop's decision for one substation in one line, for the control room: what drives it and
// what it does about it ("coldest home 16.8 °C < 18.3 °C: open valve 4 %"). The long `why` of a
// recommendation (curve, trim, envelope limits) stays for the audit trail; this is its headline.

export type Decision =
  | { kind: 'write'; cause: string; tag: EnvelopedTag; from: number; to: number }
  | { kind: 'waiting'; cause: string; tag: EnvelopedTag; from: number; to: number; because: string }
  | { kind: 'hold'; cause: string }
  | { kind: 'stale'; ageS: number }
  | { kind: 'held'; note: string }
  | { kind: 'manual'; by: 'person' | 'plc' };

function action(tag: EnvelopedTag, from: number, to: number): string {
  const d = to - from;
  switch (tag) {
    case 'primary.valve_setpoint':
      if (Math.abs(d) < 0.05) return `rewrite valve ${to.toFixed(0)} % (keep-alive)`;
      return `${d > 0 ? 'open' : 'close'} valve ${Math.abs(d).toFixed(1)} %`;
    case 'secondary.supply_temp_setpoint':
      return Number.isFinite(from) ? `supply setpoint ${from.toFixed(1)} → ${to.toFixed(1)} °C` : `supply setpoint ${to.toFixed(1)} °C`;
    case 'pump.frequency_setpoint':
      return `pump ${to.toFixed(1)} Hz`;
    case 'source.supply_offset_setpoint':
      return `source +${to.toFixed(1)} K`;
  }
}

export function decisionReason(d: Decision): string {
  switch (d.kind) {
    case 'write':
      return `${d.cause}: ${action(d.tag, d.from, d.to)}`;
    case 'waiting':
      return `${d.cause}: ${action(d.tag, d.from, d.to)}, waiting (${d.because})`;
    case 'hold':
      return `${d.cause}: setpoint already at the target, hold`;
    case 'stale':
      return `stale data (${d.ageS} s old): frozen`;
    case 'held':
      return `write refused: held (${d.note})`;
    case 'manual':
      return d.by === 'person' ? 'taken by hand: the loop only watches' : 'PLC in manual: the loop only watches';
  }
}
