"""Helpers for Vigil's integration tests: real `vigil manager` and `vigil agent`
processes on loopback, each in its own directory under a temporary root.

Every test program prints what it checks and exits 0 (pass), 1 (fail) or
77 (skipped, with the reason), as CTest expects.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

VIGIL = os.environ.get("VIGIL_BIN", "vigil")

# A rule that alerts once for every test event, so alerts can be counted.
TEST_RULES = """<group name="vigil_test,">
  <rule id="990001" level="5">
    <match>^vigil-test: </match>
    <description>integration test event</description>
  </rule>
</group>
"""


_given_ports = set()


def free_port():
    """A port nobody listens on now, never the same twice in one test."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in _given_ports:
            _given_ports.add(port)
            return port


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def skip(msg):
    print("SKIPPED: " + msg, flush=True)
    sys.exit(77)


def wait_for(pred, timeout, what, interval=0.05):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    fail("timed out after %ss waiting for %s" % (timeout, what))


class Proc:
    """A vigil service with its stderr kept in a file."""

    def __init__(self, name, args, root):
        self.name = name
        self.args = args
        self.log_path = os.path.join(root, name + ".stderr")
        self.p = None

    def start(self):
        log = open(self.log_path, "ab")
        self.p = subprocess.Popen([VIGIL] + self.args, stdout=log, stderr=log)
        log.close()
        return self

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def kill(self):
        if self.alive():
            self.p.kill()
            self.p.wait()

    def stop(self, timeout=30):
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                fail("%s did not stop within %ss" % (self.name, timeout))
        return self.p.returncode if self.p else None

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


class Cluster:
    """One manager and any number of enrolled agents under one root."""

    def __init__(self, keep=False):
        self.root = tempfile.mkdtemp(prefix="vigil-it-")
        self.keep = keep or os.environ.get("VIGIL_KEEP_TEST_DIRS") == "1"
        self.port = free_port()
        self.enroll_port = free_port()
        self.mdir = os.path.join(self.root, "manager")
        os.makedirs(os.path.join(self.mdir, "rules"))
        os.makedirs(os.path.join(self.mdir, "groups"))
        with open(os.path.join(self.mdir, "rules", "test_rules.xml"), "w") as f:
            f.write(TEST_RULES)
        self.mconf = os.path.join(self.mdir, "manager.yml")
        self.write_manager_config()
        self.manager = Proc("manager", ["manager", "-c", self.mconf], self.root)
        self.agents = {}

    def write_manager_config(self, extra="", ruleset=None):
        """ruleset: the YAML lines under "ruleset:" (default: the test rules)."""
        if ruleset is None:
            ruleset = "  rule_dirs: [%s/rules]\n" % self.mdir
        with open(self.mconf, "w") as f:
            f.write(
                "data_dir: %s/data\nlog_dir: %s/log\nmanager_name: it-manager\n"
                "ruleset:\n%s"
                "manager:\n  listen: 127.0.0.1\n  port: %d\n  enroll_port: %d\n"
                "  groups_dir: %s/groups\n%s"
                % (self.mdir, self.mdir, ruleset, self.port, self.enroll_port, self.mdir,
                   extra))

    def vigil(self, *args, check=True):
        r = subprocess.run([VIGIL] + list(args), capture_output=True, text=True)
        if check and r.returncode != 0:
            fail("vigil %s failed (%d): %s%s" % (" ".join(args), r.returncode, r.stdout,
                                                 r.stderr))
        return r

    def start_manager(self):
        # Ready when this start's lines are in the log (connecting to probe
        # would show up as refused handshakes).
        before = self.manager.log().count("enrollment: listening")
        self.manager.start()
        wait_for(lambda: self.manager.log().count("enrollment: listening") > before
                 or not self.manager.alive(), 60, "the manager to listen")
        if not self.manager.alive():
            fail("the manager stopped at start:\n" + self.manager.log()[-3000:])

    def port_open(self, port):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            return False

    def token(self, uses=10, groups=None, ttl=None):
        args = ["agents", "-D", self.mdir + "/data", "token", "create", "--uses", str(uses)]
        if groups:
            args += ["--groups", groups]
        if ttl:
            args += ["--ttl", ttl]
        out = self.vigil(*args).stdout
        m = re.search(r"--token\s+(\S+)", out) or re.search(r"\b([0-9a-f]{8}\.[0-9a-f]{32}\.[0-9a-f]{32})\b", out)
        if not m:
            fail("no token in the output of 'vigil agents token create': " + out)
        return m.group(1)

    def add_agent(self, name, token, inputs=None, extra=""):
        adir = os.path.join(self.root, name)
        os.makedirs(os.path.join(adir, "logs"))
        r = self.vigil("enroll", "--manager", "127.0.0.1:%d" % self.enroll_port, "--token",
                       token, "--name", name, "--dir", adir + "/data/agent")
        conf = os.path.join(adir, "agent.yml")
        if inputs is None:
            inputs = '  - {type: file, path: "%s/logs/*.log", format: syslog}\n' % adir
        with open(conf, "w") as f:
            f.write("data_dir: %s/data\nagent:\n  name: %s\n  managers: [\"127.0.0.1:%d\"]\n"
                    "  spool_fsync: false\n%sinputs:\n%s" % (adir, name, self.port, extra, inputs))
        agent_id = open(adir + "/data/agent/agent.id").read().strip()
        a = Proc(name, ["agent", "-c", conf], self.root)
        a.dir = adir
        a.id = agent_id
        a.conf = conf
        self.agents[name] = a
        return a

    def alerts(self):
        path = os.path.join(self.mdir, "log", "alerts.json")
        out = []
        try:
            with open(path) as f:
                for line in f:
                    if line.endswith("\n"):
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    # "with Cluster() as c:" stops everything at the end; when the test
    # failed it prints the logs and keeps the files.
    def __enter__(self):
        return self

    def __exit__(self, etype, value, tb):
        ok = etype is None or (etype is SystemExit and value.code in (0, 77))
        try:
            if etype is None:
                self.stop_all()
        finally:
            if not ok:
                self.dump_logs()
            self.cleanup(ok)
        return False

    def stop_all(self):
        for a in self.agents.values():
            a.stop()
        self.manager.stop()

    def cleanup(self, ok):
        for a in list(self.agents.values()) + [self.manager]:
            a.kill()
        if ok and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            print("test files kept in " + self.root)

    def dump_logs(self, tail=40):
        for p in [self.manager] + list(self.agents.values()):
            lines = p.log().splitlines()
            print("---- %s (last %d lines) ----" % (p.name, tail))
            for line in lines[-tail:]:
                print(line)
