#!/usr/bin/env python3
"""Central configuration and failover, with real processes:
1. the manager pushes the inputs of the agent's group; the agent collects
   them without a restart;
2. the group file changes and the manager reloads (SIGHUP): the new inputs
   are applied;
3. `vigil agents groups ID web` moves the agent: the web group's inputs follow;
4. with two managers listed, killing the first makes the agent fail over to
   the second, where its new events are analysed."""
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def count_alerts(c, text, mdir=None):
    path = os.path.join(mdir or c.mdir, "log", "alerts.json")
    try:
        with open(path) as f:
            return sum(1 for line in f if text in line)
    except FileNotFoundError:
        return 0


def write_lines(path, tag, n):
    with open(path, "a") as f:
        for i in range(n):
            f.write("vigil-test: %s %d\n" % (tag, i))


def group_file(c, name, path):
    with open(os.path.join(c.mdir, "groups", name + ".yml"), "w") as f:
        f.write('inputs:\n  - {type: file, path: "%s"}\n' % path)


def main():
    c = harness.Cluster()
    ok = False
    standby = None
    try:
        adir = os.path.join(c.root, "node1")
        logs = os.path.join(adir, "logs")
        group_file(c, "default", os.path.join(logs, "group-a.log"))
        group_file(c, "web", os.path.join(logs, "web.log"))
        c.start_manager()
        a = c.add_agent("node1", c.token(uses=1),
                        inputs='  - {type: file, path: "%s/app.log"}\n' % logs)
        for name in ("group-a.log", "group-b.log", "web.log", "app.log"):
            open(os.path.join(logs, name), "a").close()
        a.start()
        harness.wait_for(lambda: "applied configuration" in a.log(), 60, "the group configuration")
        time.sleep(0.5)
        write_lines(os.path.join(logs, "group-a.log"), "from-group-a", 10)
        harness.wait_for(lambda: count_alerts(c, "from-group-a") == 10, 30,
                         "events from the group's input")
        print("PASS 1: the default group's input is collected (10/10 events)")

        group_file(c, "default", os.path.join(logs, "group-b.log"))
        applied = a.log().count("applied configuration")
        c.manager.p.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: a.log().count("applied configuration") > applied, 30,
                         "the changed configuration to be applied")
        time.sleep(0.5)
        write_lines(os.path.join(logs, "group-b.log"), "from-group-b", 10)
        write_lines(os.path.join(logs, "group-a.log"), "group-a-after-change", 5)
        harness.wait_for(lambda: count_alerts(c, "from-group-b") == 10, 30,
                         "events from the changed input")
        time.sleep(1)
        if count_alerts(c, "group-a-after-change"):
            harness.fail("the input the group no longer has is still collected")
        print("PASS 2: after reload the new input is collected and the old one is not")

        applied = a.log().count("applied configuration")
        c.vigil("agents", "-D", c.mdir + "/data", "groups", a.id, "web")
        harness.wait_for(lambda: a.log().count("applied configuration") > applied, 30,
                         "the web group's configuration")
        time.sleep(0.5)
        write_lines(os.path.join(logs, "web.log"), "from-web", 10)
        harness.wait_for(lambda: count_alerts(c, "from-web") == 10, 30, "events from web.log")
        print("PASS 3: moving the agent to group web applied the web inputs")

        # A standby manager with the same CA and registry (a copy), listed second.
        c.manager.stop()
        sdir = os.path.join(c.root, "standby")
        shutil.copytree(c.mdir, sdir)
        for name in ("manager.state",):
            p = os.path.join(sdir, "data", name)
            if os.path.exists(p):
                os.unlink(p)
        sport, seport = harness.free_port(), harness.free_port()
        sconf = os.path.join(sdir, "manager.yml")
        with open(sconf, "w") as f:
            f.write("data_dir: %s/data\nlog_dir: %s/log\nmanager_name: standby\n"
                    "ruleset:\n  rule_dirs: [%s/rules]\nmanager:\n  listen: 127.0.0.1\n"
                    "  port: %d\n  enroll_port: %d\n  groups_dir: %s/groups\n"
                    % (sdir, sdir, sdir, sport, seport, sdir))
        shutil.rmtree(os.path.join(sdir, "log"), ignore_errors=True)
        standby = harness.Proc("standby", ["manager", "-c", sconf], c.root).start()
        c.start_manager()
        a.stop()
        with open(a.conf) as f:
            conf = f.read().replace('managers: ["127.0.0.1:%d"]' % c.port,
                                    'managers: ["127.0.0.1:%d", "127.0.0.1:%d"]' % (c.port, sport))
        with open(a.conf, "w") as f:
            f.write(conf)
        a.start()
        harness.wait_for(lambda: a.log().count("connected to manager 127.0.0.1:%d" % c.port) >= 2,
                         60, "the agent to reconnect to the first manager")
        c.manager.kill()
        write_lines(os.path.join(logs, "app.log"), "after-failover", 20)
        harness.wait_for(lambda: count_alerts(c, "after-failover", sdir) == 20, 60,
                         "the events at the standby manager")
        if "connected to manager 127.0.0.1:%d" % sport not in a.log():
            harness.fail("the agent did not report the standby connection")
        print("PASS 4: after the first manager died the agent failed over; 20/20 events "
              "analysed by the standby")
        a.stop()
        standby.stop()
        ok = True
    finally:
        if not ok:
            c.dump_logs()
            if standby:
                print(standby.log()[-3000:])
        if standby:
            standby.kill()
        c.cleanup(ok)


if __name__ == "__main__":
    main()
