// The wall of the control room: full screen, no header, readable from across the room. Three
// tiles — the network, the standing alarms, the totals — side by side, or one at a time in turn
// (a setting, kept in localStorage), and an audible signal for a new critical alarm that a
// person switches on with a click (browsers allow sound only after one). Above the tiles, the
// platform banner while a role's disk is full.

import { useEffect, useState } from 'react';
import { useAlarms } from '../alarms-api.ts';
import { useAlarmSignal } from '../components/alarm-signal.ts';
import { PlatformBanner } from '../components/PlatformBanner.tsx';
import { StandingAlarms } from '../components/StandingAlarms.tsx';
import { Totals } from '../components/Totals.tsx';
import { WallNetwork } from '../components/WallNetwork.tsx';
import { formatTime, useNow } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';

type Layout = 'tile' | 'cycle';
const LAYOUT_KEY = 'heatscada.wall.layout';
const CYCLE_MS = 15_000;
const TILES: { id: string; title: MessageKey }[] = [
  { id: 'network', title: 'wall.network' },
  { id: 'alarms', title: 'wall.alarms' },
  { id: 'totals', title: 'wall.totals' },
];
const SOUND_LABEL = { on: 'wall.sound.on', off: 'wall.sound.off', locked: 'wall.sound.enable' } as const;

function useLayout(): [Layout, (l: Layout) => void] {
  const [layout, setLayout] = useState<Layout>(() => (localStorage.getItem(LAYOUT_KEY) === 'cycle' ? 'cycle' : 'tile'));
  return [layout, (l) => { localStorage.setItem(LAYOUT_KEY, l); setLayout(l); }];
}

export default function Wall() {
  const { t } = useI18n();
  const { list, error } = useAlarms();
  const signal = useAlarmSignal(list?.alarms);
  const [layout, setLayout] = useLayout();
  const [shown, setShown] = useState(0);
  const now = useNow(1000);
  useEffect(() => {
    if (layout !== 'cycle') return;
    const timer = setInterval(() => setShown((k) => (k + 1) % TILES.length), CYCLE_MS);
    return () => clearInterval(timer);
  }, [layout]);

  const body = (id: string) => {
    if (id === 'network') return <WallNetwork listLimit={layout === 'cycle' ? 16 : 10} />;
    if (id === 'totals') return <Totals />;
    if (error) return <p className="muted">{t('wall.alarmsOff', { message: error })}</p>;
    return <StandingAlarms alarms={list?.alarms ?? []} limit={layout === 'cycle' ? 12 : 7} />;
  };
  const tiles = layout === 'cycle' ? [TILES[shown]] : TILES;
  return (
    <div className={`wall wall-layout-${layout}`} data-testid="wall" data-beeps={signal.beeps} data-sound={signal.state}>
      <header className="wall-bar">
        <strong>{t('app.title')}</strong>
        <span className="num wall-clock">{formatTime(now)}</span>
        <span className="wall-controls">
          <button type="button" className={layout === 'tile' ? 'on' : ''} onClick={() => setLayout('tile')} data-testid="wall-tile">{t('wall.layout.tile')}</button>
          <button type="button" className={layout === 'cycle' ? 'on' : ''} onClick={() => setLayout('cycle')} data-testid="wall-cycle">{t('wall.layout.cycle')}</button>
          <button type="button" className={signal.state === 'locked' ? 'wall-unlock' : signal.state === 'on' ? 'on' : ''} onClick={signal.toggle} data-testid="wall-sound">{t(SOUND_LABEL[signal.state])}</button>
          <a href="#/" className="button">{t('wall.exit')}</a>
        </span>
      </header>
      <PlatformBanner />
      <div className="wall-tiles">
        {tiles.map((tile) => (
          <section key={tile.id} className={`wall-tile wall-tile-${tile.id}`} data-testid={`wall-${tile.id}-tile`}>
            <h2>{t(tile.title)}</h2>
            {body(tile.id)}
          </section>
        ))}
      </div>
    </div>
  );
}
