import { formatTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { useConnection } from '../live.ts';

/** Shown while the live connection is down; socket.io reconnects by itself and it disappears. */
export function ConnectionBanner() {
  const { t } = useI18n();
  const { connected, lostAt } = useConnection();
  if (connected || lostAt === null) return null;
  return (
    <div className="banner" role="alert" data-testid="connection-banner">
      {t('conn.lost', { time: formatTime(lostAt) })}
    </div>
  );
}
