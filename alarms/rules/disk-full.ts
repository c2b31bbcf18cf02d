import type { RuleFactory } from './rule.ts';

// A platform role (the historian, a collector's store-and-forward buffer) says its disk is full
// (model/role-status.ts, alarms/role-status-feed.ts): what it cannot write waits in memory, so
// the disk must be freed before that memory runs out. Holds from the role's disk_full until it
// reports ok again; no word yet from the role: cannot tell. `scope: role` alarms only.

export const diskFullRule: RuleFactory<'disk-full'> = () => ({
  aboutLink: true,
  evaluate({ view }) {
    return view.roleStatus === undefined ? null : view.roleStatus.status === 'disk_full';
  },
  explain(view) {
    const s = view.roleStatus;
    return s === undefined ? {} : { detail: `${s.detail}${s.path === undefined ? '' : ` (${s.path})`}` };
  },
});
