import { useEffect, useState } from 'react';
import { request } from '../api.ts';
import { setDisplayZone } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { useConnection } from '../live.ts';

// One line on the first screen: is this a simulated plant or real PLCs, and does the balancing
// loop write (auto) or only advise? From GET /api/health, which says it where the process knows,
// and the zone the company shows its times in.

type Balancing = 'auto' | 'advisory' | 'manual' | 'mixed' | 'off';
interface Health {
  timeZone: string;
  plant?: { kind: 'simulator' | 'plc'; balancing: Balancing };
}

const REFRESH_MS = 30_000;

export function PlantBanner() {
  const { t } = useI18n();
  const { epoch } = useConnection();
  const [plant, setPlant] = useState<Health['plant']>();
  useEffect(() => {
    const ctrl = new AbortController();
    const load = () =>
      request<Health>('GET', 'api/health', undefined, ctrl.signal).then(
        (h) => {
          setDisplayZone(h.timeZone);
          setPlant(h.plant);
        },
        () => undefined,
      );
    void load();
    // A mode changed on the balancing page shows here within the refresh.
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
  }, [epoch]);
  if (!plant) return null;
  return (
    <p className="muted" data-testid="plant-mode">
      {t(`plant.${plant.kind}` as MessageKey)} · {t(`plant.balancing.${plant.balancing}` as MessageKey)}
    </p>
  );
}
