// On every page, the wall too: each platform role instance whose own status is not ok (a full
// disk under the historian's store or a collector's buffer), in its own words and with the path.
// Gone when every role says ok.

import type { RoleCondition } from '../../../model/role-status.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { usePlatformStatus, type RoleStatus } from '../platform-api.ts';

const CONDITION: Record<Exclude<RoleCondition, 'ok'>, MessageKey> = { disk_full: 'platform.diskFull' };
const ROLE: Partial<Record<string, MessageKey>> = { historian: 'platform.role.historian', collector: 'platform.role.collector' };

const notOk = (s: RoleStatus): s is RoleStatus & { status: Exclude<RoleCondition, 'ok'> } => s.status !== 'ok';

export function PlatformBanner() {
  const { t } = useI18n();
  const trouble = (usePlatformStatus() ?? []).filter(notOk);
  if (trouble.length === 0) return null;
  return (
    <div className="banner" role="alert" data-testid="platform-banner">
      {trouble.map((s) => {
        const role = ROLE[s.role];
        return (
          <div key={`${s.role}/${s.instance}`} data-testid="platform-role" data-role={s.role} data-instance={s.instance} data-status={s.status}>
            {t('platform.line', { role: role ? t(role) : s.role, instance: s.instance, condition: t(CONDITION[s.status]), detail: s.path ? `${s.detail} (${s.path})` : s.detail })}
          </div>
        );
      })}
    </div>
  );
}
