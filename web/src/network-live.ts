// What the network picture draws, kept live: the topology from REST (fetched again after a
// reconnect), and per substation its worst state and key figures from the overview room and
// the alarms room. The network page and the wall share these hooks.

import { useEffect, useMemo, useState } from 'react';
import { useAlarms, type Priority } from './alarms-api.ts';
import { api, type Topology } from './api.ts';
import { useConnection, useOverviewLive } from './live.ts';
import { worstAlarms, worstState, type WorstState } from './network-state.ts';

/** One substation as the picture shows it. */
export interface SubstationLook {
  state: WorstState;
  alarm: Priority | undefined;
  supplyC: number | null;
  returnC: number | null;
  heatKw: number | null;
  indoorMinC: number | null;
}

/** The network's topology; undefined until it arrives, and when the API has none to give. */
export function useTopology(): { topology: Topology | undefined; error: string | undefined } {
  const { epoch } = useConnection();
  const [topology, setTopology] = useState<Topology>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const ctrl = new AbortController();
    api.topology(ctrl.signal).then(
      (t) => (setTopology(t), setError(undefined)),
      (e: unknown) => ctrl.signal.aborted || setError((e as Error).message),
    );
    return () => ctrl.abort();
  }, [epoch]);
  return { topology, error };
}

/** Every substation's look by id, live. A substation nothing was heard of yet is offline. */
export function useNetworkLooks(): Map<string, SubstationLook> {
  const rows = useOverviewLive();
  const { list } = useAlarms();
  const alarms = useMemo(() => worstAlarms(list?.alarms ?? []), [list]);
  return useMemo(() => {
    const looks = new Map<string, SubstationLook>();
    for (const [id, r] of rows) {
      const alarm = alarms.get(id);
      looks.set(id, { state: worstState(r.status, alarm, r.indoorMinC), alarm, supplyC: r.t1s, returnC: r.t1r, heatKw: r.heatKw, indoorMinC: r.indoorMinC });
    }
    for (const [id, alarm] of alarms) {
      if (!looks.has(id)) looks.set(id, { state: worstState('offline', alarm, null), alarm, supplyC: null, returnC: null, heatKw: null, indoorMinC: null });
    }
    return looks;
  }, [rows, alarms]);
}
