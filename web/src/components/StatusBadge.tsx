import type { Status } from '../api.ts';
import { useI18n } from '../i18n.ts';

export function StatusBadge({ status }: { status: Status | undefined }) {
  const { t } = useI18n();
  if (!status) return null;
  return <span className={`badge status-${status}`}>{t(`status.${status}`)}</span>;
}
