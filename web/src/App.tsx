// The shell: the login page until a session exists, then the header (navigation for the user's
// role, who is logged in, logout), the banners and a hash router (#/, #/substation/:id, …), so
// the API serves one index.html for every view (routes.ts). Chart pages load on demand: the overview needs
// no charting library.

import { lazy, Suspense, useEffect, useState } from 'react';
import type { Principal, Role } from '../../model/security.ts';
import { AlarmBanner } from './components/AlarmBanner.tsx';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { LanguageSwitch } from './components/LanguageSwitch.tsx';
import { PlatformBanner } from './components/PlatformBanner.tsx';
import { useI18n } from './i18n.ts';
import { Login } from './pages/Login.tsx';
import { Overview } from './pages/Overview.tsx';
import { parseRoute, type Route } from './routes.ts';
import { logout, useCan, useSession } from './session.ts';

const Substation = lazy(() => import('./pages/Substation.tsx'));
const History = lazy(() => import('./pages/History.tsx'));
const Alarms = lazy(() => import('./pages/Alarms.tsx'));
const WorkOrders = lazy(() => import('./pages/WorkOrders.tsx'));
const Balancing = lazy(() => import('./pages/Balancing.tsx'));
const Network = lazy(() => import('./pages/Network.tsx'));
const Users = lazy(() => import('./pages/Users.tsx'));
const Audit = lazy(() => import('./pages/Audit.tsx'));
const Wall = lazy(() => import('./pages/Wall.tsx'));
const Complaints = lazy(() => import('./pages/Complaints.tsx'));
const ServiceKpis = lazy(() => import('./pages/ServiceKpis.tsx'));
const Season = lazy(() => import('./pages/Season.tsx'));

/** Pages a smaller role may not open: they are absent from its navigation, and the server refuses their data. */
const PAGE_ROLE: Partial<Record<Route['page'], Role>> = { users: 'admin', audit: 'engineer' };

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function UserMenu({ user }: { user: Principal }) {
  const { t } = useI18n();
  return (
    <span className="user" data-testid="user-menu">
      <span data-testid="user-name">{user.name}</span> <small className="muted" data-testid="user-role">{t(`role.${user.role}`)}</small>{' '}
      <button type="button" onClick={() => void logout()} data-testid="logout">{t('auth.logout')}</button>
    </span>
  );
}

export function App() {
  const { t } = useI18n();
  const session = useSession();
  useEffect(() => {
    document.title = t('app.title');
  }, [t]);
  if (session.status === 'checking') return <p className="muted pad">{t('trend.loading')}</p>;
  if (session.status === 'out') return <Login />;
  return <Shell user={session.user} />;
}

function Shell({ user }: { user: Principal }) {
  const { t } = useI18n();
  const can = useCan();
  const route = useRoute();
  const mayOpen = (page: Route['page']) => {
    const needed = PAGE_ROLE[page];
    return needed === undefined || can(needed);
  };
  const link = (page: Route['page'], href: string, label: string) =>
    mayOpen(page) && (
      <a href={href} className={route.page === page ? 'active' : ''} data-testid={`nav-${page}`}>
        {label}
      </a>
    );
  const allowed = mayOpen(route.page);
  // The wall is the whole screen: no header, no banners (it shows the alarms and the platform banner itself).
  if (route.page === 'wall') {
    return (
      <Suspense fallback={<p className="muted pad">{t('trend.loading')}</p>}>
        <Wall />
      </Suspense>
    );
  }
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          {t('app.title')}
        </a>
        <nav>
          {link('overview', '#/', t('nav.overview'))}
          {link('network', '#/network', t('nav.network'))}
          {link('history', '#/history', t('nav.history'))}
          {link('balancing', '#/balancing', t('nav.balancing'))}
          {link('alarms', '#/alarms', t('nav.alarms'))}
          {link('work-orders', '#/work-orders', t('nav.workOrders'))}
          {link('complaints', '#/complaints', t('service.nav.complaints'))}
          {link('service-kpis', '#/service-kpis', t('service.nav.kpis'))}
          {link('season', '#/season', t('season.nav'))}
          {user.role === 'crew' && user.crew && link('crew', `#/crew/${encodeURIComponent(user.crew)}`, t('service.nav.myCrew'))}
          {link('audit', '#/audit', t('nav.audit'))}
          {link('wall', '#/wall', t('nav.wall'))}
          {link('users', '#/users', t('nav.users'))}
        </nav>
        <UserMenu user={user} />
        <LanguageSwitch />
      </header>
      <ConnectionBanner />
      <PlatformBanner />
      <AlarmBanner />
      <main>
        <Suspense fallback={<p className="muted">{t('trend.loading')}</p>}>
          {!allowed && <p className="error">{t('auth.forbidden')}</p>}
          {route.page === 'overview' && <Overview />}
          {route.page === 'substation' && <Substation key={route.id} id={route.id} />}
          {route.page === 'history' && <History initial={route.series} />}
          {route.page === 'balancing' && <Balancing />}
          {route.page === 'network' && <Network />}
          {route.page === 'alarms' && <Alarms />}
          {route.page === 'work-orders' && <WorkOrders />}
          {route.page === 'crew' && <WorkOrders crew={route.crew} />}
          {route.page === 'complaints' && <Complaints selected={route.id} />}
          {route.page === 'service-kpis' && <ServiceKpis />}
          {route.page === 'season' && <Season />}
          {allowed && route.page === 'audit' && <Audit />}
          {allowed && route.page === 'users' && <Users />}
        </Suspense>
      </main>
    </div>
  );
}
