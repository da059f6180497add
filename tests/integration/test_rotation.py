#!/usr/bin/env python3
"""Log rotation under load with `vigil run` as a real process: no line that
exists on disk is lost or alerted twice.

A writer thread appends numbered lines to app.log (a few thousand a second,
one write() per line, O_APPEND) for ~20 s while the test rotates the file
every ~2 s, alternating
  - rename: mv app.log app.log.N, create the new app.log (as logrotate's
    `create` does), and let the writer reopen only ~50 ms later, so it keeps
    appending to the renamed file after the new one exists;
  - copytruncate: copy app.log to app.log.N (read until end of file, write,
    fsync the copy), then ftruncate app.log to 0, as logrotate does it,
    while the writer keeps writing. Every other time Vigil is stopped
    (SIGSTOP) 0.5 s before the copy and continued after the truncation, so
    that it is ~1500 lines behind: those lines are only in the copy.
Every line matches one test rule, so each makes exactly one alert. At the
end, every line found in any app.log* file must have been alerted exactly
once. Lines written between the end of the copy and the truncation are in
no file (copytruncate destroys them): they are counted apart; Vigil may
have alerted some of them if it read them in time, which is not an error.

Environment: VIGIL_BIN (the vigil binary), VIGIL_ROT_SECONDS (default 20),
VIGIL_ROT_RATE (lines per second, default 3000), VIGIL_KEEP_TEST_DIRS=1.
Exits 0 (pass), 1 (fail) or 77 (skipped).
"""
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

VIGIL = os.environ.get("VIGIL_BIN", "")
SECONDS = float(os.environ.get("VIGIL_ROT_SECONDS", "20"))
RATE = int(os.environ.get("VIGIL_ROT_RATE", "3000"))
INTERVAL = 2.0
PREFIX = b"vigil-test: "

RULES = """<group name="t,">
  <rule id="990001" level="5">
    <match>^vigil-test: </match>
    <description>t</description>
  </rule>
</group>
"""


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def skip(msg):
    print("SKIPPED: " + msg, flush=True)
    sys.exit(77)


class Writer(threading.Thread):
    """Writes numbered lines to path until stopped; reopens on request."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.count = 0
        self.reopen = threading.Event()
        self.stop = threading.Event()
        self.error = None

    def open(self):
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def run(self):
        try:
            self.loop()
        except OSError as e:
            self.error = e

    def loop(self):
        fd = self.open()
        batch = max(1, RATE // 100)
        start = time.monotonic()
        while not self.stop.is_set():
            if self.reopen.is_set():
                os.close(fd)
                fd = self.open()
                self.reopen.clear()
            for _ in range(batch):
                line = b"%s%08d %s\n" % (PREFIX, self.count, b"x" * (self.count % 50))
                if os.write(fd, line) != len(line):
                    raise OSError("short write")
                self.count += 1
            ahead = self.count / RATE - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        os.close(fd)


def copytruncate(src, dst):
    """logrotate's copytruncate: copy until end of file, then truncate."""
    fin = os.open(src, os.O_RDWR)
    fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    while True:
        chunk = os.read(fin, 65536)
        if not chunk:
            break
        os.write(fout, chunk)
    os.fsync(fout)
    os.close(fout)
    os.ftruncate(fin, 0)
    os.close(fin)


def rename_rotate(src, dst, writer):
    os.rename(src, dst)
    os.close(os.open(src, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))  # `create`
    time.sleep(0.05)  # the writer is told to reopen only now
    writer.reopen.set()


def lines_on_disk(logs):
    """Counter of the test lines in every app.log* file, and the fragments
    (pieces of lines cut by copytruncate that cannot match the rule)."""
    found = collections.Counter()
    fragments = []
    for name in sorted(os.listdir(logs)):
        if not name.startswith("app.log"):
            continue
        with open(os.path.join(logs, name), "rb") as f:
            data = f.read()
        for seg in data.split(b"\n"):
            if seg.startswith(PREFIX):
                found[seg] += 1
            elif seg:
                fragments.append((name, seg[:40]))
    return found, fragments


def alerted(alerts_path):
    got = collections.Counter()
    try:
        with open(alerts_path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    continue
                log = json.loads(raw).get("full_log", "").encode()
                if log.startswith(PREFIX):
                    got[log] += 1
    except FileNotFoundError:
        pass
    return got


def wait_for(pred, timeout, interval=0.2):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(interval)
    return pred()


def start_vigil(root):
    logs = os.path.join(root, "logs")
    rules = os.path.join(root, "rules")
    for d in (logs, rules):
        os.makedirs(d)
    with open(os.path.join(rules, "test_rules.xml"), "w") as f:
        f.write(RULES)
    app = os.path.join(logs, "app.log")
    open(app, "w").close()
    conf = os.path.join(root, "vigil.yml")
    with open(conf, "w") as f:
        f.write("data_dir: %s/data\nlog_dir: %s/alerts\n"
                "ruleset:\n  rule_dirs: [%s]\n"
                "inputs:\n  - {type: file, path: \"%s\"}\n" % (root, root, rules, app))
    err = open(os.path.join(root, "vigil.stderr"), "wb")
    p = subprocess.Popen([VIGIL, "run", "-c", conf, "--data-dir", root + "/data",
                          "--alerts-dir", root + "/alerts"],
                         stdout=err, stderr=subprocess.STDOUT)
    err.close()
    log = os.path.join(root, "vigil.stderr")
    if not wait_for(lambda: b"vigil running" in open(log, "rb").read() or
                    p.poll() is not None, 60):
        p.kill()
        fail("vigil did not start")
    if p.poll() is not None:
        fail("vigil stopped at start:\n" + open(log, errors="replace").read()[-3000:])
    return p, app, logs, os.path.join(root, "alerts", "alerts.json")


def stop_vigil(p):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        fail("vigil did not stop within 60 s")


def rotate_under_load(app, writer, vigil):
    n = 0
    paused = 0
    end = time.monotonic() + SECONDS
    next_rot = time.monotonic() + INTERVAL
    while time.monotonic() < end:
        time.sleep(max(0.0, min(next_rot, end) - time.monotonic()))
        if time.monotonic() >= end or writer.error:
            break
        n += 1
        dst = "%s.%d" % (app, n)
        if n % 2:
            rename_rotate(app, dst, writer)
        elif n % 4 == 0:
            vigil.send_signal(signal.SIGSTOP)
            time.sleep(0.5)
            copytruncate(app, dst)
            vigil.send_signal(signal.SIGCONT)
            paused += 1
        else:
            copytruncate(app, dst)
        next_rot += INTERVAL
    return n, paused


def main():
    if not VIGIL or not os.access(VIGIL, os.X_OK):
        skip("VIGIL_BIN does not name the vigil binary")
    root = tempfile.mkdtemp(prefix="vigil-rot-")
    keep = os.environ.get("VIGIL_KEEP_TEST_DIRS") == "1"
    p, app, logs, alerts_path = start_vigil(root)
    ok = False
    try:
        writer = Writer(app)
        writer.start()
        rotations, paused = rotate_under_load(app, writer, p)
        writer.stop.set()
        writer.join()
        if writer.error:
            fail("writer: %s" % writer.error)
        on_disk, fragments = lines_on_disk(logs)
        # Let Vigil catch up: every line on disk alerted, or no progress.
        last = [-1, time.time()]

        def settled():
            got = alerted(alerts_path)
            if all(got[k] for k in on_disk):
                return True
            total = sum(got.values())
            if total != last[0]:
                last[0], last[1] = total, time.time()
            return time.time() - last[1] > 15

        wait_for(settled, 300, 0.5)
        time.sleep(1.0)  # anything alerted late would show as a duplicate
        rc = stop_vigil(p)
        got = alerted(alerts_path)

        written = {PREFIX + b"%08d " % i + b"x" * (i % 50) for i in range(writer.count)}
        destroyed = written - set(on_disk)
        missed = [k for k in on_disk if not got[k]]
        duplicated = [k for k, v in got.items() if v > 1]
        alien = [k for k in got if k not in on_disk and k not in destroyed]
        seen_destroyed = [k for k in got if k in destroyed]
        disk_dups = [k for k, v in on_disk.items() if v > 1]
        print("lines written:          %d (%.0f/s)" % (writer.count, writer.count / SECONDS))
        print("rotations:              %d (%d rename, %d copytruncate, %d of them with "
              "vigil stopped so it was behind)"
              % (rotations, (rotations + 1) // 2, rotations // 2, paused))
        print("lines on disk:          %d" % len(on_disk))
        print("alerts:                 %d (%d distinct)" % (sum(got.values()), len(got)))
        print("lost by copytruncate:   %d (written between copy and truncation; "
              "%d of them alerted anyway)" % (len(destroyed), len(seen_destroyed)))
        print("fragments on disk:      %d" % len(fragments))
        print("lost by vigil:          %d" % len(missed))
        print("duplicated:             %d" % len(duplicated))
        print("alerts for no line:     %d" % len(alien))
        print("vigil exit status:      %d" % rc)
        warned = open(os.path.join(root, "vigil.stderr"), "rb").read().count(b"are lost")
        print("vigil loss warnings:    %d" % warned)
        if disk_dups:
            fail("%d lines are twice on disk: the test itself is wrong" % len(disk_dups))
        if missed:
            fail("%d lines on disk were not alerted, e.g. %s" % (len(missed), missed[:3]))
        if duplicated:
            fail("%d lines were alerted more than once, e.g. %s"
                 % (len(duplicated), duplicated[:3]))
        if alien:
            fail("%d alerts for lines never written, e.g. %s" % (len(alien), alien[:3]))
        if rc != 0:
            fail("vigil exited with %d" % rc)
        if paused < 1 or len(on_disk) < writer.count // 2:
            fail("too little happened to prove anything")
        ok = True
        print("PASS")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if ok and not keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("test directory kept: " + root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
