// The network as a picture (#/network): where the substations are, which mains feed them and
// where the trouble is, live. The search finds a substation by name, pinyin initials or id,
// rings every match on the picture and centres on the first.

import { useDeferredValue, useMemo, useState } from 'react';
import { NetworkCanvas } from '../components/NetworkCanvas.tsx';
import { useI18n } from '../i18n.ts';
import { useNetworkLooks, useTopology } from '../network-live.ts';
import { displayName, matchesQuery, normalQuery } from '../network-search.ts';
import { substationHref } from '../routes.ts';

const RESULTS_SHOWN = 8;

export default function Network() {
  const { t, lang } = useI18n();
  const { topology, error } = useTopology();
  const looks = useNetworkLooks();
  const [search, setSearch] = useState('');
  const query = normalQuery(useDeferredValue(search));
  const matches = useMemo(() => (query && topology ? topology.substations.filter((s) => matchesQuery(s, query)) : []), [query, topology]);
  const highlight = useMemo(() => new Set(matches.map((s) => s.id)), [matches]);

  if (error) return <p className="error pad">{error}</p>;
  if (!topology) return <p className="muted pad">{t('trend.loading')}</p>;
  return (
    <div className="network">
      <div className="toolbar">
        {topology.name && <h1 style={{ marginRight: 12 }}>{topology.name}</h1>}
        <input type="search" placeholder={t('network.search')} value={search} onChange={(e) => setSearch(e.target.value)} data-testid="network-search" style={{ minWidth: '18em' }} />
        {query && <span className="muted" data-testid="network-matches">{t('network.matches', { n: matches.length })}</span>}
        {matches.slice(0, RESULTS_SHOWN).map((s) => (
          <a key={s.id} href={substationHref(s.id)} className="chip" data-testid="network-result" data-id={s.id}>
            {displayName(s, s.id, lang)} <small className="muted">{s.id}</small>
          </a>
        ))}
      </div>
      {topology.source === null && <p className="muted">{t('network.noTopology')}</p>}
      <NetworkCanvas network={topology} states={looks} highlight={highlight} focus={matches[0]?.id} height="calc(100vh - 190px)" />
    </div>
  );
}
