// The shell: header, connection banner and a hash router (#/, #/substation/:id, #/history),
// so the API serves one index.html for every view. Chart pages load on demand: the overview
// needs no charting library.

import { lazy, Suspense, useEffect, useState } from 'react';
import { AlarmBanner } from './components/AlarmBanner.tsx';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { LanguageSwitch } from './components/LanguageSwitch.tsx';
import { useI18n } from './i18n.ts';
import { Overview } from './pages/Overview.tsx';

const Substation = lazy(() => import('./pages/Substation.tsx'));
const History = lazy(() => import('./pages/History.tsx'));
const Alarms = lazy(() => import('./pages/Alarms.tsx'));
const WorkOrders = lazy(() => import('./pages/WorkOrders.tsx'));
const Balancing = lazy(() => import('./pages/Balancing.tsx'));

type Route = { page: 'overview' } | { page: 'balancing' } | { page: 'substation'; id: string } | { page: 'history'; series: string[] }
  | { page: 'alarms' | 'work-orders' } | { page: 'crew'; crew: string };

function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'substation' && parts[1]) return { page: 'substation', id: parts[1] };
  if (parts[0] === 'alarms' || parts[0] === 'work-orders') return { page: parts[0] };
  if (parts[0] === 'crew' && parts[1]) return { page: 'crew', crew: parts[1] };
  if (parts[0] === 'balancing') return { page: 'balancing' };
  if (parts[0] === 'history') {
    const series = new URLSearchParams(query).get('series');
    return { page: 'history', series: series ? series.split(',').filter(Boolean) : [] };
  }
  return { page: 'overview' };
}

export const substationHref = (id: string): string => `#/substation/${encodeURIComponent(id)}`;
export const historyHref = (series: string[]): string => `#/history?${new URLSearchParams({ series: series.join(',') })}`;

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function App() {
  const { t } = useI18n();
  const route = useRoute();
  useEffect(() => {
    document.title = t('app.title');
  }, [t]);
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          {t('app.title')}
        </a>
        <nav>
          <a href="#/" className={route.page === 'overview' ? 'active' : ''}>
            {t('nav.overview')}
          </a>
          <a href="#/history" className={route.page === 'history' ? 'active' : ''}>
            {t('nav.history')}
          </a>
          <a href="#/balancing" className={route.page === 'balancing' ? 'active' : ''}>{t('nav.balancing')}</a>
          <a href="#/alarms" className={route.page === 'alarms' ? 'active' : ''}>{t('nav.alarms')}</a>
          <a href="#/work-orders" className={route.page === 'work-orders' ? 'active' : ''}>{t('nav.workOrders')}</a>
        </nav>
        <LanguageSwitch />
      </header>
      <ConnectionBanner />
      <AlarmBanner />
      <main>
        <Suspense fallback={<p className="muted">{t('trend.loading')}</p>}>
          {route.page === 'overview' && <Overview />}
          {route.page === 'substation' && <Substation key={route.id} id={route.id} />}
          {route.page === 'history' && <History initial={route.series} />}
          {route.page === 'balancing' && <Balancing />}
          {route.page === 'alarms' && <Alarms />}
          {route.page === 'work-orders' && <WorkOrders />}
          {route.page === 'crew' && <WorkOrders crew={route.crew} />}
        </Suspense>
      </main>
    </div>
  );
}
