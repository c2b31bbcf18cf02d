// The platform roles' own statuses (GET /api/platform/status, then the socket.io `platform`
// event): asked on sign-in and after every reconnect, as an event may have been missed while the
// connection was down, and replaced by each event. The roles publish these themselves, so they
// show even when the alarm engine cannot write its disk_full alarm.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { PlatformStatusReport } from '../../api/live/platform-status.ts';
import type { RoleStatus } from '../../model/role-status.ts';
import { request } from './api.ts';
import { useConnection, usePlatformEvents } from './live.ts';

export type { RoleStatus };

/** Every role instance the API has heard of, by role, then instance; undefined until the first answer. */
export function usePlatformStatus(): RoleStatus[] | undefined {
  const { epoch } = useConnection();
  const [roles, setRoles] = useState<RoleStatus[]>();
  const events = useRef(0);
  const changed = useCallback((report: PlatformStatusReport) => {
    events.current++;
    setRoles(report.roles);
  }, []);
  usePlatformEvents(changed);
  useEffect(() => {
    const ctrl = new AbortController();
    const asked = events.current;
    request<PlatformStatusReport>('GET', 'api/platform/status', undefined, ctrl.signal).then(
      // An event that came while the answer was on its way is newer than the answer.
      (report) => {
        if (events.current === asked) setRoles(report.roles);
      },
      () => undefined,
    );
    return () => ctrl.abort();
  }, [epoch]);
  return roles;
}
