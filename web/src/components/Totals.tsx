import { useEffect, useState } from 'react';
import { api, type Status, type Totals as NetworkTotals } from '../api.ts';
import { formatNumber } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { useConnection } from '../live.ts';

const REFRESH_MS = 5000;
const STATUSES: Status[] = ['alarm', 'offline', 'stale', 'online'];

/** The network at a glance: counts by status, heat delivered, outdoor temperature. */
export function Totals() {
  const { t } = useI18n();
  const { epoch } = useConnection();
  const [totals, setTotals] = useState<NetworkTotals>();
  useEffect(() => {
    const ctrl = new AbortController();
    const load = () => api.totals(ctrl.signal).then(setTotals, () => undefined);
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
  }, [epoch]);
  if (!totals) return null;
  return (
    <section className="totals" data-testid="totals">
      <div className="kpi">
        <span className="kpi-label">{t('totals.substations')}</span>
        <span className="kpi-value">{totals.substations}</span>
        <span className="kpi-split">
          {STATUSES.map((s) => (
            <span key={s} className={`count status-text-${s}`}>
              {totals[s]} {t(`status.${s}`)}
            </span>
          ))}
        </span>
      </div>
      <div className="kpi">
        <span className="kpi-label">{t('totals.heatPower')}</span>
        <span className="kpi-value">
          {formatNumber(totals.heatPowerKw / 1000, 'MW')} <small>MW</small>
        </span>
      </div>
      <div className="kpi">
        <span className="kpi-label">{t('totals.outdoor')}</span>
        <span className="kpi-value">
          {formatNumber(totals.outdoorC, '°C')} <small>°C</small>
        </span>
      </div>
    </section>
  );
}
