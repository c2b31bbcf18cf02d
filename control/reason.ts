import type { EnvelopedTag } from './envelope.ts';

// The loop's decision for one substation in one cycle, for the control room: what drives it and
// what it does about it ("coldest home 16.8 °C < 18.3 °C: open valve 4 %"). The decision travels
// as data (GET /api/control) so the web can word it in the operator's language; the same
// templates, wording in English, give the one line kept for logs and the audit trail. The long
// `why` of a recommendation (curve, trim, envelope limits) stays for the audit trail.

/** What the indoor need is judged by: the coldest sampled home, or (no indoor sensors) the return against the curve's. */
export type NeedCause = { kind: 'coldest_home'; indoorC: number; targetC: number } | { kind: 'no_indoor'; offK: number };
/** A forecast cold snap the loop gets ready for (寒潮预案): the coldest the forecast gets, and in how many hours. */
export interface SnapCause {
  forecastC: number;
  inH: number;
}
/** The need, the return bias (K) when the network's return floor lifts the substation (else null), and a cold snap ahead. */
export type Cause = NeedCause & { liftK: number | null; snap?: SnapCause };

/** `from` is null where the loop cannot read the setpoint it moves (pump, source). */
export type Decision =
  | { kind: 'write'; cause: Cause; tag: EnvelopedTag; from: number | null; to: number }
  | { kind: 'waiting'; cause: Cause; tag: EnvelopedTag; from: number | null; to: number; because: string }
  | { kind: 'hold'; cause: Cause }
  | { kind: 'stale'; ageS: number }
  | { kind: 'held'; note: string }
  | { kind: 'manual'; by: 'person' | 'plc' };

/** The English templates; the web's i18n takes them as its English and adds the Chinese. */
export const REASON_EN = {
  'reason.cause.coldest_home': 'coldest home {indoor} °C {cmp} {target} °C',
  'reason.cause.no_indoor.above': "no indoor sensors: return {k} K above the curve's",
  'reason.cause.no_indoor.below': "no indoor sensors: return {k} K below the curve's",
  'reason.cause.lifted': "{need}; return below the network's floor: lifted +{k} K",
  'reason.cause.snap': '{need}; cold snap forecast ({t} °C in {h} h): homes warmed ahead',
  'reason.valve.open': 'open valve {d} %',
  'reason.valve.close': 'close valve {d} %',
  'reason.valve.keep': 'rewrite valve {to} % (keep-alive)',
  'reason.supply.change': 'supply setpoint {from} → {to} °C',
  'reason.supply.set': 'supply setpoint {to} °C',
  'reason.pump': 'pump {to} Hz',
  'reason.source': 'source +{to} K',
  'reason.write': '{cause}: {action}',
  'reason.waiting': '{cause}: {action}, waiting ({because})',
  'reason.hold': '{cause}: setpoint already at the target, hold',
  'reason.stale': 'stale data ({s} s old): frozen',
  'reason.held': 'write refused: held ({note})',
  'reason.manual.person': 'taken by hand: the loop only watches',
  'reason.manual.plc': 'PLC in manual: the loop only watches',
} as const;

export type ReasonKey = keyof typeof REASON_EN;
/** A template by key with its blanks filled: the web passes its translate function. */
export type Wording = (key: ReasonKey, vars?: Record<string, string>) => string;

/** A wording from a table of templates (blanks as {name}). */
export const wordingOf =
  (templates: Record<ReasonKey, string>): Wording =>
  (key, vars) =>
    templates[key].replace(/\{(\w+)\}/g, (_, name: string) => vars?.[name] ?? `{${name}}`);

const english = wordingOf(REASON_EN);

/** <, > or = at the precision shown (0.1 K), so the words never contradict the figures. */
function compare(value: number, target: number): string {
  const d = Math.round((value - target) * 10);
  return d < 0 ? '<' : d > 0 ? '>' : '=';
}

export function causeText(c: Cause, say: Wording = english): string {
  const need =
    c.kind === 'coldest_home'
      ? say('reason.cause.coldest_home', { indoor: c.indoorC.toFixed(1), cmp: compare(c.indoorC, c.targetC), target: String(c.targetC) })
      : say(c.offK >= 0 ? 'reason.cause.no_indoor.above' : 'reason.cause.no_indoor.below', { k: Math.abs(c.offK).toFixed(1) });
  const lifted = c.liftK === null ? need : say('reason.cause.lifted', { need, k: c.liftK.toFixed(1) });
  return c.snap ? say('reason.cause.snap', { need: lifted, t: c.snap.forecastC.toFixed(1), h: c.snap.inH.toFixed(1) }) : lifted;
}

function action(tag: EnvelopedTag, from: number | null, to: number, say: Wording): string {
  switch (tag) {
    case 'primary.valve_setpoint': {
      const d = from === null ? 0 : to - from;
      if (Math.abs(d) < 0.05) return say('reason.valve.keep', { to: to.toFixed(0) });
      return say(d > 0 ? 'reason.valve.open' : 'reason.valve.close', { d: Math.abs(d).toFixed(1) });
    }
    case 'secondary.supply_temp_setpoint':
      return from === null ? say('reason.supply.set', { to: to.toFixed(1) }) : say('reason.supply.change', { from: from.toFixed(1), to: to.toFixed(1) });
    case 'pump.frequency_setpoint':
      return say('reason.pump', { to: to.toFixed(1) });
    case 'source.supply_offset_setpoint':
      return say('reason.source', { to: to.toFixed(1) });
  }
}

/** The decision in one line, in the wording given (English by default: the log's and the audit's). */
export function decisionReason(d: Decision, say: Wording = english): string {
  switch (d.kind) {
    case 'write':
      return say('reason.write', { cause: causeText(d.cause, say), action: action(d.tag, d.from, d.to, say) });
    case 'waiting':
      return say('reason.waiting', { cause: causeText(d.cause, say), action: action(d.tag, d.from, d.to, say), because: d.because });
    case 'hold':
      return say('reason.hold', { cause: causeText(d.cause, say) });
    case 'stale':
      return say('reason.stale', { s: String(d.ageS) });
    case 'held':
      return say('reason.held', { note: d.note });
    case 'manual':
      return say(d.by === 'person' ? 'reason.manual.person' : 'reason.manual.plc');
  }
}
