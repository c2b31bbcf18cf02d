// The marks of a complaint (complaint-marks.ts) as small badges, the same in the list and the detail.

import type { ComplaintMarks } from '../../complaint-marks.ts';
import { useI18n } from '../../i18n.ts';

export function ComplaintMarkBadges({ marks }: { marks: ComplaintMarks }) {
  const { t } = useI18n();
  return (
    <span className="svc-marks">
      {marks.overdue && <span className="badge status-alarm" data-mark="overdue">{t('service.mark.overdue')}</span>}
      {marks.late && <span className="badge status-stale" data-mark="late">{t('service.mark.late')}</span>}
      {marks.risks.map((r) => <span key={r} className="badge status-stale" data-mark={r} title={t(`service.risk.${r}`)}>{t('service.mark.falseClosure')}</span>)}
    </span>
  );
}
