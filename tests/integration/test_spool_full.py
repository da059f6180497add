#!/usr/bin/env python3
"""A full spool pauses collection without losing anything: with the manager
down, an agent with a 2 MiB spool reads a log until the spool is full,
reports it (one "spool full" event) and waits; when the manager comes back
every line arrives exactly once, followed by "collection resumed"."""
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

LINES = 40000


def main():
    with harness.Cluster() as c:
        c.start_manager()
        a = c.add_agent("small-spool", c.token(uses=1), extra="  spool_max: 2M\n")
        log = os.path.join(a.dir, "logs", "app.log")
        open(log, "w").close()
        c.manager.stop()
        a.start()
        harness.wait_for(lambda: "collecting from" in a.log(), 30, "the agent to start")
        with open(log, "a") as f:
            for i in range(1, LINES + 1):
                f.write("vigil-test: spool line %d with some padding to fill the spool\n" % i)
        harness.wait_for(lambda: "spool full" in a.log(), 60, "the agent to report a full spool")
        spool = os.path.join(a.dir, "data", "spool")
        size = sum(os.path.getsize(os.path.join(spool, f)) for f in os.listdir(spool))
        print("spool full reported; %d bytes in %s (limit 2 MiB)" % (size, spool))
        if size > 2 * 1024 * 1024 + 256 * 1024:
            harness.fail("the spool grew past its limit")
        c.start_manager()
        pat = re.compile(r"^vigil-test: spool line (\d+) ")

        def done():
            n = sum(1 for al in c.alerts() if al["rule"]["id"] == "990001")
            return n >= LINES
        harness.wait_for(done, 180, "all %d lines" % LINES, interval=0.5)
        harness.wait_for(lambda: any(al["rule"]["id"] == "301102" for al in c.alerts()), 30,
                         "the 'collection resumed' alert")
        time.sleep(1)
        seen = collections.Counter()
        for al in c.alerts():
            m = pat.match(al["full_log"])
            if m and al["rule"]["id"] == "990001":
                seen[int(m.group(1))] += 1
        full = [al for al in c.alerts() if al["rule"]["id"] == "301101"]
        missing = [i for i in range(1, LINES + 1) if i not in seen]
        dups = [i for i, n in seen.items() if n > 1]
        print("lines: %d alerted, %d missing, %d twice; 'spool full' alerts: %d" % (
            len(seen), len(missing), len(dups), len(full)))
        if missing or dups or not full:
            harness.fail("lost, duplicated or unreported")
        print("full-spool alert: level %s: %s" % (full[0]["rule"]["level"],
                                                   full[0]["full_log"][:120]))
        print("PASS: a full spool paused collection and lost nothing")


if __name__ == "__main__":
    main()
