#!/usr/bin/env python3
"""File integrity monitoring and configuration assessment between a real
agent and manager, analysed by Wazuh's own FIM and SCA rules (when the shared
data is there) or Vigil's built-in ones:

- a file added, modified and deleted in a watched directory raises 554, 550
  and 553 (Vigil: 304102, 304100, 304101) with the syscheck fields;
- a change made while the agent is stopped is reported when it starts again;
- `vigil fim changes --agent NAME` on the manager lists those changes;
- an SCA policy (a keystroke-logging check on a temporary PAM directory) that
  passes, then fails once `session required pam_tty_audit.so enable=*` is
  added, raises the passed->failed transition, rule 19011 (level 9).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

POLICY = """policy:
  id: "it_keylogger"
  file: "it_keylogger.yml"
  name: "Integration test: keystroke logging"
  description: "pam_tty_audit in a temporary PAM directory"
  regex_type: pcre2
variables:
  $pam_dir: %s
checks:
  - id: 990100
    title: "No PAM service records keystrokes"
    condition: none
    rules:
      - 'd:$pam_dir -> r:\\.* -> r:^\\s*session\\s+\\S+\\s+pam_tty_audit\\.so\\b.*\\benable='
"""


def main():
    shared = os.environ.get("VIGIL_SHARED", os.path.join(os.path.dirname(__file__),
                                                          "../../../shared"))
    wazuh = os.path.join(shared, "data", "wazuh-ruleset")
    use_wazuh = os.path.isdir(os.path.join(wazuh, "rules"))
    ids = {"added": "554", "modified": "550", "deleted": "553"} if use_wazuh else \
        {"added": "304102", "modified": "304100", "deleted": "304101"}
    print("FIM rules checked: %s (%s)" % (
        ", ".join(ids.values()), "Wazuh's ruleset" if use_wazuh else "Vigil's built-in"))
    with harness.Cluster() as c:
        if use_wazuh:
            c.write_manager_config(ruleset="  rule_dirs: [%s/rules]\n"
                                   "  decoder_dirs: [%s/decoders]\n" % (wazuh, wazuh))
        watched = os.path.join(c.root, "watched")
        pam = os.path.join(c.root, "pam.d")
        os.makedirs(watched)
        os.makedirs(pam)
        with open(os.path.join(pam, "common-session"), "w") as f:
            f.write("session required pam_unix.so\n")
        with open(os.path.join(watched, "before.conf"), "w") as f:
            f.write("setting = 1\n")
        policy = os.path.join(c.root, "it_keylogger.yml")
        with open(policy, "w") as f:
            f.write(POLICY % pam)
        c.start_manager()
        inputs = ("  - {type: fim, paths: [%s], scan_interval: 1h}\n"
                  "  - {type: sca, policies: [%s], builtin: false, interval: 2s}\n"
                  % (watched, policy))
        a = c.add_agent("fim-host", c.token(uses=1), inputs=inputs)
        a.start()
        harness.wait_for(lambda: "connected to manager" in a.log(), 60, "the agent to connect")
        # the baseline is built silently: nothing about before.conf
        harness.wait_for(lambda: "baseline" in a.log().lower() or
                         any(al["rule"]["id"] == "19001" or
                             al.get("data", {}).get("sca", {}).get("type") == "summary"
                             for al in c.alerts()), 30, "the first FIM baseline or SCA scan")
        time.sleep(1)

        def fim_alert(event, path):
            for al in c.alerts():
                sc = al.get("syscheck", {})
                if al["rule"]["id"] == ids[event] and sc.get("path") == path and \
                        al.get("agent", {}).get("name") == "fim-host":
                    return al
            return None

        new = os.path.join(watched, "new.conf")
        with open(new, "w") as f:
            f.write("created\n")
        al = harness.wait_for(lambda: fim_alert("added", new), 20, "the 'added' alert")
        print("added: rule %s, sha256 %s" % (al["rule"]["id"], al["syscheck"]["sha256_after"]))
        with open(new, "a") as f:
            f.write("more\n")
        al = harness.wait_for(lambda: fim_alert("modified", new), 20, "the 'modified' alert")
        sc = al["syscheck"]
        if sc.get("size_before") != "8" or sc.get("size_after") != "13":
            harness.fail("size change not reported: %s" % sc)
        print("modified: rule %s, size %s -> %s" % (al["rule"]["id"], sc["size_before"],
                                                   sc["size_after"]))
        os.chmod(new, 0o600)
        al = harness.wait_for(lambda: [x for x in c.alerts() if x["rule"]["id"] ==
                                       ids["modified"] and
                                       x["syscheck"].get("perm_after") == "rw-------"], 20,
                              "the permission change alert")
        print("chmod 600: perm %s -> rw-------" % al[0]["syscheck"]["perm_before"])
        os.unlink(new)
        harness.wait_for(lambda: fim_alert("deleted", new), 20, "the 'deleted' alert")
        print("deleted: rule %s" % ids["deleted"])

        # a change while the agent is stopped
        a.stop()
        offline = os.path.join(watched, "before.conf")
        with open(offline, "a") as f:
            f.write("setting = 2\n")
        a.start()
        al = harness.wait_for(lambda: fim_alert("modified", offline), 60,
                              "the change made while the agent was stopped")
        print("changed while stopped: rule %s, mode %s" % (al["rule"]["id"],
                                                          al["syscheck"].get("mode")))

        # the manager's per-agent FIM state
        r = c.vigil("fim", "changes", "--db", os.path.join(c.mdir, "data", "fim-changes.db"),
                    "--agent", "fim-host", "--json")
        rows = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
        paths = [(x.get("path"), x.get("event")) for x in rows]
        for want in [(new, "added"), (new, "modified"), (new, "deleted"),
                     (offline, "modified")]:
            if want not in paths:
                harness.fail("vigil fim changes lacks %s: %s" % (str(want), paths))
        print("vigil fim changes --agent fim-host: %d changes" % len(rows))

        # SCA: passed first, then failed once pam_tty_audit is added
        def sca_check(result):
            for x in c.alerts():
                ck = x.get("data", {}).get("sca", {}).get("check", {})
                if ck.get("id") == "990100" and ck.get("result") == result:
                    return x
            return None
        harness.wait_for(lambda: any(
            x.get("data", {}).get("sca", {}).get("policy_id") == "it_keylogger"
            for x in c.alerts()), 30, "the first SCA scan's events")
        with open(os.path.join(pam, "common-session"), "a") as f:
            f.write("session required pam_tty_audit.so enable=*\n")
        al = harness.wait_for(lambda: sca_check("failed"), 30, "the SCA check to fail")
        ck = al["data"]["sca"]["check"]
        print("SCA 990100: %s -> %s, rule %s level %d" % (
            ck.get("previous_result"), ck["result"], al["rule"]["id"], al["rule"]["level"]))
        if ck.get("previous_result") != "passed":
            harness.fail("no previous_result 'passed' in the transition: %s" % ck)
        if use_wazuh and al["rule"]["id"] != "19011":
            harness.fail("expected Wazuh's rule 19011 for passed->failed, got %s"
                         % al["rule"]["id"])
        if al["rule"]["level"] < 9:
            harness.fail("the transition alert is below level 9")
    print("PASS")


if __name__ == "__main__":
    main()
