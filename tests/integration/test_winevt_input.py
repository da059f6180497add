#!/usr/bin/env python3
"""Windows event-channel events in the shippers' raw form (the event XML in a
JSON line) read from a file by `vigil run` are converted to Wazuh's win.*
document before analysis, so rules on win.system / win.eventdata fields match."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DECODER = """<decoder name="json">
  <prematch>^{\\s*"</prematch>
  <plugin_decoder>JSON_Decoder</plugin_decoder>
</decoder>
"""
RULES = """<group name="t,">
  <rule id="990010" level="8">
    <decoded_as>json</decoded_as>
    <field name="win.system.eventID">^4698$</field>
    <field name="win.eventdata.taskName">\\\\Updater</field>
    <description>scheduled task $(win.eventdata.taskName) created by $(win.eventdata.subjectUserName)</description>
  </rule>
</group>
"""
EVENT = {
    "Message": "A scheduled task was created.",
    "Event": "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
             "<Provider Name='Microsoft-Windows-Security-Auditing' "
             "Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>4698</EventID>"
             "<Version>1</Version><Level>0</Level><Task>12804</Task><Opcode>0</Opcode>"
             "<Keywords>0x8020000000000000</Keywords>"
             "<TimeCreated SystemTime='2026-11-26T10:00:00.000000000Z'/>"
             "<EventRecordID>4242</EventRecordID><Correlation/>"
             "<Execution ProcessID='4' ThreadID='100'/><Channel>Security</Channel>"
             "<Computer>ws01.example</Computer><Security/></System><EventData>"
             "<Data Name='SubjectUserName'>alice</Data><Data Name='TaskName'>\\Updater</Data>"
             "</EventData></Event>",
}


def main():
    root = tempfile.mkdtemp(prefix="vigil-it-")
    ok = False
    proc = None
    try:
        for d in ("dec", "rules", "logs"):
            os.makedirs(os.path.join(root, d))
        open(os.path.join(root, "dec", "json.xml"), "w").write(DECODER)
        open(os.path.join(root, "rules", "win.xml"), "w").write(RULES)
        log = os.path.join(root, "logs", "win.jsonl")
        open(log, "w").close()
        conf = os.path.join(root, "vigil.yml")
        open(conf, "w").write(
            "data_dir: %s/data\nlog_dir: %s/alerts\nruleset:\n  decoder_dirs: [%s/dec]\n"
            "  rule_dirs: [%s/rules]\ninputs:\n  - {type: file, path: %s, format: json}\n"
            % (root, root, root, root, log))
        err = open(os.path.join(root, "run.stderr"), "w")
        proc = subprocess.Popen([harness.VIGIL, "run", "-c", conf], stderr=err)
        harness.wait_for(lambda: "vigil running" in open(err.name).read(), 60, "vigil run")
        with open(log, "a") as f:
            f.write(json.dumps(EVENT) + "\n")

        def alert():
            try:
                for line in open(os.path.join(root, "alerts", "alerts.json")):
                    a = json.loads(line)
                    if a["rule"]["id"] == "990010":
                        return a
            except FileNotFoundError:
                pass
            return None
        a = harness.wait_for(alert, 30, "the alert on the converted event")
        print("rule %s: %s" % (a["rule"]["id"], a["rule"]["description"]))
        win = a["data"]["win"]
        print("win.system: eventID=%s providerName=%s computer=%s channel=%s" % (
            win["system"].get("eventID"), win["system"].get("providerName"),
            win["system"].get("computer"), win["system"].get("channel")))
        if win["system"].get("computer") != "ws01.example" or \
                win["eventdata"].get("subjectUserName") != "alice":
            harness.fail("converted fields missing from the alert")
        # Wazuh's event-channel conversion doubles backslashes in values
        # (docs/winevt.md), and rules are written for that.
        if a["rule"]["description"] != "scheduled task \\\\Updater created by alice":
            harness.fail("unexpected description: " + a["rule"]["description"])
        ok = True
        print("PASS: raw event-channel line converted and matched")
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("test files kept in " + root)


if __name__ == "__main__":
    main()
