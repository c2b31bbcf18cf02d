// The wall's audible signal: a short WebAudio beep when a new critical alarm comes in. Browsers
// let a page make sound only after a person has touched it, so the AudioContext is made in a
// click ("enable sound"); the choice to have sound persists in localStorage, the unlock cannot.
// Every signal played is counted on `window.__wall.beeps` for the browser test.

import { useEffect, useRef, useState } from 'react';
import type { Alarm } from '../alarms-api.ts';

const STORAGE_KEY = 'heatscada.wall.sound';
const BEEP_HZ = 880;
const BEEP_S = 0.18;
/** Three short beeps: a pattern that carries across a room without sounding like a phone. */
const PATTERN = [0, 0.3, 0.6];

declare global {
  interface Window {
    __wall?: { beeps: number };
  }
}

/** A new critical alarm that nobody has seen: raised, not acknowledged, not shelved, in service. */
const isFreshCritical = (a: Alarm) => a.priority === 'critical' && a.state === 'unack_active' && a.shelvedUntil === null && !a.outOfService;

function beep(ctx: AudioContext): void {
  const at = ctx.currentTime;
  for (const offset of PATTERN) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = BEEP_HZ;
    gain.gain.setValueAtTime(0.2, at + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, at + offset + BEEP_S);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at + offset);
    osc.stop(at + offset + BEEP_S);
  }
}

export type SoundState = 'on' | 'off' | 'locked';

export interface AlarmSignal {
  /** on: it beeps; off: the person switched it off; locked: wanted, but this page needs a click first. */
  state: SoundState;
  /** The click handler: unlocks and switches on, or switches off. */
  toggle: () => void;
  beeps: number;
}

/** Beeps once for every update that brings new critical alarms, while sound is on. The first list is what was there already. */
export function useAlarmSignal(alarms: Alarm[] | undefined): AlarmSignal {
  const [wanted, setWanted] = useState(() => localStorage.getItem(STORAGE_KEY) === 'on');
  const [ctx, setCtx] = useState<AudioContext>();
  const [beeps, setBeeps] = useState(0);
  const seen = useRef<Set<number>>(undefined);
  const on = wanted && ctx !== undefined;

  useEffect(() => {
    if (!alarms) return;
    const fresh = alarms.filter(isFreshCritical).map((a) => a.id);
    const known = seen.current;
    seen.current = new Set([...(known ?? []), ...fresh]);
    if (!known || !on || !ctx || !fresh.some((id) => !known.has(id))) return;
    void ctx.resume();
    beep(ctx);
    setBeeps((n) => n + 1);
  }, [alarms, on, ctx]);

  useEffect(() => {
    window.__wall = { beeps };
  }, [beeps]);
  useEffect(() => () => void ctx?.close(), [ctx]);

  const toggle = () => {
    const next = !on;
    localStorage.setItem(STORAGE_KEY, next ? 'on' : 'off');
    setWanted(next);
    // Made inside the click: the one moment a browser lets a page start sound.
    if (next && !ctx) setCtx(new AudioContext());
  };
  return { state: on ? 'on' : wanted ? 'locked' : 'off', toggle, beeps };
}
