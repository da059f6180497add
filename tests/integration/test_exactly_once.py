#!/usr/bin/env python3
"""One manager, three agents, 100,000 events written into the agents' watched
files while the manager is killed (SIGKILL) and restarted twice and one agent
is restarted: every event must be analysed exactly once (one alert each, none
missing, none twice)."""
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TOTAL = int(os.environ.get("VIGIL_IT_EVENTS", "100000"))
RATE = int(os.environ.get("VIGIL_IT_RATE", "5000"))  # events written per second
CHUNK = 250


def main():
    with harness.Cluster() as c:
        # Checkpoints a second apart: the kills then always land after events
        # were analysed but before they were acknowledged, and the recovery
        # (alerts cut back, events sent again) is exercised.
        c.write_manager_config("  checkpoint_ms: 1000\n")
        c.start_manager()
        token = c.token(uses=3)
        names = ["alpha", "bravo", "charlie"]
        agents = [c.add_agent(n, token) for n in names]
        # The files exist before the agents start (agents read files that
        # exist at their first start from the end, as Wazuh does).
        files = {a.name: open(os.path.join(a.dir, "logs", "app.log"), "a") for a in agents}
        for a in agents:
            a.start()
        for a in agents:
            harness.wait_for(lambda: "connected to manager" in a.log(), 60,
                             "agent %s to connect" % a.name)
        # actions when this many events have been written
        plan = {int(TOTAL * 0.2): "kill-manager", int(TOTAL * 0.45): "restart-agent",
                int(TOTAL * 0.7): "kill-manager"}
        written = 0
        t0 = time.time()
        counts = collections.Counter()
        while written < TOTAL:
            for a in agents:
                n = min(CHUNK, TOTAL - written)
                if n <= 0:
                    break
                f = files[a.name]
                for _ in range(n):
                    counts[a.name] += 1
                    f.write("vigil-test: agent=%s n=%d\n" % (a.name, counts[a.name]))
                f.flush()
                written += n
                for mark in [m for m in plan if m <= written]:
                    act = plan.pop(mark)
                    print("%6d events written: %s" % (written, act), flush=True)
                    if act == "kill-manager":
                        c.manager.kill()
                        time.sleep(0.5)
                        c.start_manager()
                    else:
                        agents[1].stop()
                        agents[1].start()
            ahead = written / RATE - (time.time() - t0)
            if ahead > 0:
                time.sleep(ahead)
        for f in files.values():
            f.close()
        t_written = time.time() - t0
        print("%d events written in %.1f s" % (TOTAL, t_written), flush=True)

        def settled():
            n = sum(1 for al in c.alerts() if al["rule"]["id"] == "990001")
            return n >= TOTAL and n
        harness.wait_for(settled, 240, "%d alerts" % TOTAL, interval=0.5)
        time.sleep(2)  # anything more would be a duplicate
        t_done = time.time() - t0
        seen = collections.Counter()
        wrong_agent = 0
        by_id = {a.id: a.name for a in agents}
        pat = re.compile(r"^vigil-test: agent=(\w+) n=(\d+)$")
        for al in c.alerts():
            if al["rule"]["id"] != "990001":
                continue
            m = pat.match(al["full_log"])
            if not m:
                harness.fail("unexpected test alert: " + al["full_log"])
            seen[(m.group(1), int(m.group(2)))] += 1
            if by_id.get(al["agent"]["id"]) != m.group(1):
                wrong_agent += 1
        expected = {(n, k) for n in names for k in range(1, counts[n] + 1)}
        missing = expected - set(seen)
        dups = {k: v for k, v in seen.items() if v > 1}
        extra = set(seen) - expected
        print("alerts: %d distinct events, %d missing, %d analysed more than once, %d unknown, "
              "%d with the wrong agent" % (len(seen), len(missing), len(dups), len(extra),
                                           wrong_agent))
        print("end to end: %.1f s for %d events (%.0f events/s including two manager kills)"
              % (t_done, TOTAL, TOTAL / t_done))
        if missing:
            harness.fail("missing events, e.g. %s" % sorted(missing)[:5])
        if dups:
            harness.fail("duplicated events, e.g. %s" % sorted(dups.items())[:5])
        if extra or wrong_agent:
            harness.fail("alerts that match no written event or the wrong agent")
        mlog = c.manager.log()
        recoveries = mlog.count("recovery:")
        print("manager log: %d 'duplicate events' lines, %d recoveries" % (
            mlog.count("duplicate events"), recoveries))
        if recoveries == 0:
            harness.fail("no kill landed between analysis and checkpoint: recovery not exercised")
        print("PASS: every one of %d events analysed exactly once" % TOTAL)


if __name__ == "__main__":
    main()
