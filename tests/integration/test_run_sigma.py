#!/usr/bin/env python3
"""`vigil run` with Sigma rules named in its configuration (ruleset.sigma_dirs):
a Sigma process_creation rule written here fires on a Vigil process event read
from a JSON file input, and its alert carries the Sigma rule's title, level
(high = 12), ATT&CK id and id; a look-alike event raises nothing."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RULE = """title: Test tool started with its exfiltration switch
id: 3b1f0a52-6a7e-4c1e-9d6b-0f4e2a7c9e11
status: test
description: vigil-sigma-probe run with --send-to, the pattern this test looks for
tags:
    - attack.exfiltration
    - attack.t1048
logsource:
    product: linux
    category: process_creation
detection:
    selection:
        Image|endswith: '/vigil-sigma-probe'
        CommandLine|contains: '--send-to'
    filter:
        CommandLine|contains: '--dry-run'
    condition: selection and not filter
level: high
"""


def event(pid, cmd):
    return json.dumps({"vigil": {"module": "procmon", "event": "process_creation"},
                       "process": {"pid": pid, "ppid": 1, "image": "/usr/local/bin/vigil-sigma-probe",
                                   "command_line": cmd, "uid": 0, "user": "root",
                                   "parent": {"image": "/usr/bin/bash", "pid": 1}}},
                      separators=(",", ":"))


def main():
    root = tempfile.mkdtemp(prefix="vigil-it-sigma-")
    ok = False
    proc = None
    try:
        os.makedirs(root + "/sigma/linux")
        with open(root + "/sigma/linux/probe.yml", "w") as f:
            f.write(RULE)
        events = root + "/events.jsonl"
        open(events, "w").close()
        conf = root + "/run.yml"
        with open(conf, "w") as f:
            f.write("data_dir: %s/data\nlog_dir: %s/log\nruleset:\n  sigma_dirs: [%s/sigma]\n"
                    "inputs:\n  - {type: file, path: %s, format: json}\n"
                    % (root, root, root, events))
        log = open(root + "/run.stderr", "wb")
        proc = subprocess.Popen([harness.VIGIL, "run", "-c", conf], stdout=log, stderr=log)
        harness.wait_for(lambda: "vigil running" in open(root + "/run.stderr").read(), 30,
                         "vigil run to start")
        time.sleep(0.5)
        with open(events, "a") as f:
            f.write(event(10, "vigil-sigma-probe --dry-run --send-to 203.0.113.5") + "\n")
            f.write(event(11, "vigil-sigma-probe --send-to 203.0.113.5") + "\n")

        def alerts():
            try:
                return [json.loads(x) for x in open(root + "/log/alerts.json")]
            except FileNotFoundError:
                return []
        harness.wait_for(lambda: alerts(), 20, "the Sigma rule's alert")
        time.sleep(0.5)
        got = [a for a in alerts() if "vigil-sigma-probe" in a.get("full_log", "")]
        if len(got) != 1:
            harness.fail("expected one alert (the --dry-run event is filtered), got %d: %s"
                         % (len(got), [a["full_log"] for a in got]))
        a = got[0]
        r = a["rule"]
        print("alert: rule %s level %d '%s' mitre %s groups %s" % (
            r["id"], r["level"], r["description"], r.get("mitre", {}).get("id"), r["groups"]))
        if int(r["id"]) < 400000 or r["level"] != 12:
            harness.fail("not the Sigma rule at level 12: %s" % r)
        if r["description"] != "Test tool started with its exfiltration switch":
            harness.fail("the Sigma title is not the description")
        if "T1048" not in r.get("mitre", {}).get("id", []):
            harness.fail("the ATT&CK tag is lost: %s" % r.get("mitre"))
        if "sigma_3b1f0a52-6a7e-4c1e-9d6b-0f4e2a7c9e11" not in r["groups"]:
            harness.fail("the Sigma id is not among the groups: %s" % r["groups"])
        if "--dry-run" in a["full_log"]:
            harness.fail("the filtered event alerted")
        ok = True
    finally:
        if proc:
            proc.terminate()
            proc.wait(30)
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(open(root + "/run.stderr").read()[-3000:])
            print("test files kept in " + root)
    print("PASS")


if __name__ == "__main__":
    main()
