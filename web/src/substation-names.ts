// Substations by name wherever the control room shows them (operators know 实验中学换热站, not
// S002): one GET /api/network shared by every page and tile, fetched again after a reconnect
// (when substations may have appeared), and the name in the language the UI is in.

import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { api } from './api.ts';
import { useI18n } from './i18n.ts';
import { useConnection } from './live.ts';
import { displayName, type Searchable } from './network-search.ts';

let names: ReadonlyMap<string, Searchable> = new Map();
let loadedEpoch: number | undefined;
const listeners = new Set<() => void>();

function load(epoch: number): void {
  if (loadedEpoch === epoch) return;
  loadedEpoch = epoch;
  api.network().then(
    (net) => {
      names = new Map(net.substations.map((s) => [s.id, { id: s.id, name: s.name, name_en: s.name_en, initials: s.initials }]));
      for (const l of listeners) l();
    },
    // Ids stand in meanwhile; the next page that asks tries again.
    () => loadedEpoch === epoch && (loadedEpoch = undefined),
  );
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

export interface SubstationNames {
  /** The name in the UI's language (English where there is an English name), else the id. */
  nameOf: (id: string) => string;
  /** Whether a name is known, i.e. the id is worth showing beside it. */
  named: (id: string) => boolean;
  /** Every substation known by name, for search. */
  all: ReadonlyMap<string, Searchable>;
}

export function useSubstationNames(): SubstationNames {
  const { epoch } = useConnection();
  const { lang } = useI18n();
  useEffect(() => load(epoch), [epoch]);
  const all = useSyncExternalStore(subscribe, () => names);
  return useMemo(() => ({ all, nameOf: (id: string) => displayName(all.get(id), id, lang), named: (id: string) => all.get(id)?.name !== undefined }), [all, lang]);
}
