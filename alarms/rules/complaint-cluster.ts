import type { RuleFactory } from './rule.ts';

// Residents' complaints cluster at one substation: at least `count` of them (of `categories`,
// when given) received in the last `within_min` minutes. Several homes calling within an hour
// point at the substation or its secondary loop, not at one flat (model/service.ts; the service
// role publishes each complaint, alarms/complaint-feed.ts hands it to the engine).
//
// About the link: true. Complaints come from people, not over the PLC's link, so a silent
// substation still gets them and they still mean what they mean; it is then that they matter
// most, as the centre has nothing else from the site. (Value rules stop judging a silent
// substation because their input is stale; this one's input is not.)
//
// Fewer complaints than `count` prove the cluster over only when the engine has heard the whole
// window: after a restart it knows nothing of the complaints before it, so it cannot tell (null)
// and a standing alarm is kept, not returned and raised again by the next complaint.

export const complaintClusterRule: RuleFactory<'complaint-cluster'> = (cfg) => {
  // One rule object per substation: what the last evaluation counted is what raised the alarm.
  let counted = 0;
  return {
    aboutLink: true,
    evaluate({ view, now }) {
      const from = now - cfg.within_min * 60_000;
      counted = view.complaintsSince(from, cfg.categories);
      if (counted >= cfg.count) return true;
      return from >= view.complaintsHeardFrom ? false : null;
    },
    // No tag: the value is the number of complaints in the window (what the notification says).
    explain: () => ({ value: counted }),
  };
};
