// What both protocol servers do alike: follow a PLC that stops and starts answering, and log
// one short structured line per event.

import type { PlcAccess } from '../plc-access.ts';

export type ServerLog = (event: string, fields?: Record<string, unknown>) => void;

/** One JSON line on stderr per event, with the server kind in `src`. */
export function serverLog(src: string): ServerLog {
  return (event, fields = {}) => {
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), src, event, ...fields })}\n`);
  };
}

export interface SilenceControl {
  /** Stop answering: close the port, drop the connections. */
  silence(): Promise<void>;
  /** Answer again on the same port. */
  revive(): Promise<void>;
}

/**
 * Keeps a single-PLC endpoint, which is answering when this is called, in step with
 * plc.answers(substation). Transitions run one at a time, each towards the state the PLC has
 * when it starts, so a PLC flapping faster than a transition ends where the PLC ended. An
 * already silent PLC is silenced before this resolves. Returns the unsubscribe, which waits
 * for a transition under way.
 */
export async function followAnswering(
  plc: PlcAccess,
  substation: string,
  control: SilenceControl,
  log: ServerLog,
): Promise<() => Promise<void>> {
  let live = true;
  const reconcile = async (): Promise<void> => {
    const answers = plc.answers(substation);
    if (answers === live) return;
    await (answers ? control.revive() : control.silence());
    live = answers;
    log(answers ? 'answering again' : 'stopped answering', { substation });
  };
  let transitions = Promise.resolve();
  const follow = (): void => {
    transitions = transitions
      .then(reconcile)
      .catch((err: unknown) => log('answering transition failed', { substation, error: String(err) }));
  };
  const unsubscribe = plc.onAnswersChange((changed) => {
    if (changed === substation) follow();
  });
  follow();
  await transitions;
  return async () => {
    unsubscribe();
    await transitions;
  };
}
