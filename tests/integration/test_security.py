#!/usr/bin/env python3
"""Attacks on the manager's agent port while a real agent works.

One manager and one real agent (enrolled with a token) that sends events
from a watched file at a steady rate all along. Meanwhile raw TLS 1.3
clients (rawclient.py) try, one case at a time: no certificate, another
CA's certificate, a revoked agent's certificate, the real agent's own
certificate (a duplicate connection), a replayed EVENTS frame, a truncated
frame, an oversized frame, a bad version byte, EVENTS before HELLO, and a
protocol error followed by a TCP reset. Each case checks that the
connection is refused or closed, that the manager's log names the reason,
and that the manager still serves the real agent (its new events keep
arriving as alerts). At the end every event of the real agent must be
alerted exactly once, the real agent must have stayed on its one
connection, and nothing an attacker sent may have been alerted.

Prints PASS/FAIL per case; exits 0 when all pass, 1 otherwise, 77 when
Python's ssl (with TLS 1.3) or the openssl command is missing.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

try:
    import ssl
    HAVE_TLS13 = getattr(ssl, "HAS_TLSv1_3", False)
except ImportError:  # Python built without OpenSSL
    ssl = None
    HAVE_TLS13 = False

RATE = int(os.environ.get("VIGIL_IT_RATE", "200"))  # real agent's events per second
WAIT = float(os.environ.get("VIGIL_IT_WAIT", "30"))  # seconds to wait for any one thing
REAL_RE = re.compile(r"^vigil-test: real n=(\d+)$")
INTRUDER = "vigil-test: intruder"  # what attackers send; must never be alerted
MiB = 1 << 20


class Writer(threading.Thread):
    """Appends numbered test events to the real agent's watched file at a
    steady rate until stopped."""

    def __init__(self, path, rate):
        super().__init__(daemon=True)
        self.path = path
        self.rate = rate
        self.count = 0
        self.lock = threading.Lock()
        self.halt = threading.Event()

    def run(self):
        t0 = time.time()
        with open(self.path, "a") as f:
            while not self.halt.is_set():
                due = int((time.time() - t0) * self.rate)
                with self.lock:
                    while self.count < due:
                        self.count += 1
                        f.write("vigil-test: real n=%d\n" % self.count)
                    f.flush()
                self.halt.wait(0.02)

    def written(self):
        with self.lock:
            return self.count

    def stop(self):
        self.halt.set()
        self.join()
        return self.count


class Alerts:
    """Reads alerts.json as it grows (complete lines only)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.all = []
        self.real = collections.Counter()  # real event number -> alerts

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].splitlines():
            al = json.loads(line)
            self.all.append(al)
            m = REAL_RE.match(al.get("full_log", ""))
            if m:
                self.real[int(m.group(1))] += 1

    def max_real(self):
        return max(self.real) if self.real else 0

    def with_log(self, text):
        return [al for al in self.all if text in al.get("full_log", "")]


class Case:
    """Collects the checks of one case; failed checks are listed."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.notes = []

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
        return cond

    def note(self, text):
        self.notes.append(text)


def wait_until(pred, timeout, interval=0.05):
    end = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() >= end:
            return v
        time.sleep(interval)


def openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def make_foreign_ca(d):
    """A CA the manager never heard of, and a client certificate from it
    with CN 001 (what a real agent's looks like)."""
    os.makedirs(d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                                     "-subj", "/CN=Vigil CA"], d)
    openssl(["req"] + ec + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=001"],
            d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                "extendedKeyUsage=clientAuth\n")
    openssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "client.crt", "-days", "2", "-extfile", "ext.cnf"], d)
    return os.path.join(d, "client.crt"), os.path.join(d, "client.key")


def cert_serial(path):
    out = openssl(["x509", "-noout", "-serial", "-in", path], os.path.dirname(path))
    return int(out.strip().split("=", 1)[1], 16)


class Test:
    def __init__(self):
        import rawclient  # after the ssl check
        self.rc = rawclient
        self.c = harness.Cluster()
        self.cases = []

    # ---- helpers ----------------------------------------------------------

    def files(self, agent):
        d = os.path.join(agent.dir, "data", "agent")
        return (os.path.join(d, "agent.crt"), os.path.join(d, "agent.key"))

    def client(self, cert=None, key=None):
        return self.rc.RawClient(self.c.port, self.ca, cert, key, timeout=WAIT)

    def mlog_mark(self):
        return len(self.c.manager.log())

    def wait_log(self, mark, pattern, timeout=WAIT):
        """The first match of pattern in the manager's log after mark."""
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.c.manager.log()[mark:]), timeout)

    def still_serving(self, case):
        """The manager is alive and alerts events the real agent wrote after
        the case ended."""
        target = self.writer.written() + 1
        case.check(self.c.manager.alive(), "the manager is still running")

        def reached():
            self.alerts.poll()
            return self.alerts.max_real() >= target
        t0 = time.time()
        ok = case.check(wait_until(reached, WAIT, 0.1),
                        "real agent's event %d alerted within %ss" % (target, WAIT))
        if ok:
            case.note("real agent's event %d alerted %.2f s later" % (target, time.time() - t0))

    def expect_log(self, case, mark, pattern, what):
        m = self.wait_log(mark, pattern)
        if case.check(m, "manager log names the reason (%s): /%s/" % (what, pattern)):
            case.note("log: " + m.group(0).strip()[:160])
        return m

    def run_case(self, name, fn):
        case = Case(name)
        t0 = time.time()
        try:
            fn(case)
            self.still_serving(case)
        except Exception as e:  # a broken case must not hide the others
            case.check(False, "raised %s: %s" % (type(e).__name__, e))
        status = "PASS" if not case.failures else "FAIL"
        print("%s: %s (%.1f s)" % (status, name, time.time() - t0), flush=True)
        for n in case.notes:
            print("      " + n)
        for f in case.failures:
            print("      failed: " + f)
        self.cases.append(case)

    def intruder_events(self, seq=1):
        return self.rc.frame(self.rc.EVENTS,
                             self.rc.events_payload([("intruder.log", INTRUDER)]), seq)

    def refused_handshake(self, case, cert, key, pattern, what):
        mark = self.mlog_mark()
        cl = self.client(cert, key)
        # Whatever the client manages to send must come to nothing.
        if not cl.closed:
            cl.send(self.rc.frame(self.rc.HELLO, self.rc.hello_payload("intruder")))
            cl.send(self.intruder_events())
        case.check(cl.wait_closed(WAIT), "connection closed by the manager")
        case.check(not any(f.type == self.rc.WELCOME for f in cl.frames), "no WELCOME")
        case.note("client saw: %s" % cl.close_reason)
        self.expect_log(case, mark, r"refused 127\.0\.0\.1: TLS handshake failed: .*" + pattern,
                        what)

    def refused_by_registry(self, case, cert, key, name, word):
        """The TLS handshake succeeds but the manager refuses the identity
        at once with an ERROR frame. The client sends nothing at first: a
        HELLO written after the manager has closed would make the kernel
        answer with a reset that discards the unread ERROR frame."""
        cl = self.client(cert, key)
        if not cl.wait_closed(10):
            # Not refused on its own: see whether it would be welcomed.
            w = cl.hello(name, WAIT)
            case.check(w is None, "no WELCOME")
            cl.wait_closed(WAIT)
        case.check(cl.closed, "connection closed by the manager")
        case.check(word in (cl.error_text() or ""),
                   "ERROR frame says %s (got %r)" % (word, cl.error_text()))
        case.note("ERROR frame: %r" % cl.error_text())

    def admitted(self, case, agent, what):
        """Connects with agent's certificate: True when welcomed (then closes
        and waits for the manager to log the disconnection)."""
        mark = self.mlog_mark()
        cl = self.client(*self.files(agent))
        w = cl.hello(agent.name, WAIT)
        if not case.check(w is not None, what + ": welcomed"):
            case.note("instead: %s, ERROR %r" % (cl.close_reason, cl.error_text()))
            cl.close()
            return False
        cl.close()
        case.check(self.wait_log(mark, r"agent %s \(%s\) at 127\.0\.0\.1: disconnected"
                                 % (agent.id, agent.name)), what + ": disconnection logged")
        return True

    # ---- the cases ---------------------------------------------------------

    def case_no_cert(self, case):
        self.refused_handshake(case, None, None, r"(certificate|CERTIFICATE)", "no certificate")

    def case_foreign_ca(self, case):
        cert, key = make_foreign_ca(os.path.join(self.c.root, "foreign-ca"))
        self.refused_handshake(case, cert, key, r"(certificate verify failed|unknown ca)",
                               "certificate from another CA")

    def case_revoked(self, case):
        a = self.revoked
        cert, key = self.files(a)
        # Control: the same certificate is admitted before the revocation.
        self.admitted(case, a, "before revocation")
        self.c.vigil("agents", "-D", self.c.mdir + "/data", "revoke", a.id)
        mark = self.mlog_mark()
        self.refused_by_registry(case, cert, key, a.name, "revoked")
        m = self.expect_log(case, mark, r"refused 127\.0\.0\.1 \(certificate CN (\S+), serial "
                            r"([0-9a-f]+)\): agent revoked", "revoked")
        if m:
            case.check(m.group(1) == a.id, "log names CN %s" % a.id)
            case.check(int(m.group(2), 16) == cert_serial(cert), "log names the serial")

    def case_duplicate(self, case):
        r = self.real
        mark = self.mlog_mark()
        self.refused_by_registry(case, *self.files(r), r.name, "duplicate")
        self.expect_log(case, mark, r"refused 127\.0\.0\.1: agent %s \(%s\) is already "
                        r"connected from 127\.0\.0\.1" % (r.id, r.name), "duplicate")
        log = self.c.manager.log()[mark:]
        case.check("(%s) at 127.0.0.1: disconnected" % r.name not in log,
                   "the real agent's connection was not dropped")

    def case_replay(self, case):
        a = self.replay
        mark = self.mlog_mark()
        cl = self.client(*self.files(a))
        w = cl.hello(a.name, WAIT)
        if not case.check(w is not None, "welcomed"):
            return
        case.check(w.seq == 0, "WELCOME says no event analysed yet (seq %d)" % w.seq)
        data = self.rc.frame(self.rc.EVENTS,
                             self.rc.events_payload([("replay.log", "vigil-test: replay")]), 1)
        cl.send(data)
        ack = cl.wait_frame(self.rc.ACK, 2.0)
        if case.check(ack is not None, "ACK within 2 s"):
            case.check(ack.seq == 1, "ACK for sequence 1 (got %d)" % ack.seq)
        cl.send(data)  # the very same bytes
        self.expect_log(case, mark, r"agent %s \(%s\) at 127\.0\.0\.1: dropped 1 duplicate "
                        r"events \(1\.\.1\)" % (a.id, a.name), "duplicate")
        cl.close()
        case.check(self.wait_log(mark, r"\(%s\) at 127\.0\.0\.1: disconnected" % a.name),
                   "disconnection logged")

        def alerted():
            self.alerts.poll()
            return self.alerts.with_log("vigil-test: replay")
        case.check(wait_until(alerted, WAIT), "the first copy was alerted")
        # The final check (after the manager stops) counts exactly one.

    def case_truncated(self, case):
        a = self.raw
        mark = self.mlog_mark()
        cl = self.client(*self.files(a))
        if not case.check(cl.hello(a.name, WAIT) is not None, "welcomed"):
            return
        body = self.rc.events_payload([("trunc.log", INTRUDER + " truncated " + "x" * 70)])
        cl.send(self.rc.header(self.rc.EVENTS, 100, 1) + body[:10])
        cl.close()
        self.expect_log(case, mark, r"agent %s \(%s\) at 127\.0\.0\.1: connection closed in "
                        r"the middle of a frame \(26 bytes dropped\)" % (a.id, a.name),
                        "closed mid-frame")
        case.check(self.wait_log(mark, r"\(%s\) at 127\.0\.0\.1: disconnected" % a.name),
                   "disconnection logged")

    def case_oversized(self, case):
        a = self.raw
        mark = self.mlog_mark()
        cl = self.client(*self.files(a))
        if not case.check(cl.hello(a.name, WAIT) is not None, "welcomed"):
            return
        t0 = time.time()
        cl.send(self.rc.header(self.rc.EVENTS, 5 * MiB, 1))  # and no payload
        closed = cl.wait_closed(WAIT)
        took = time.time() - t0
        case.check(closed, "connection closed without the payload being sent")
        case.note("closed %.3f s after the header" % took)
        case.check(took < 5, "refused at once (%.3f s)" % took)
        case.check(cl.error_text() == "frame too large",
                   "ERROR frame says too large (got %r)" % cl.error_text())
        self.expect_log(case, mark, r"agent %s \(%s\) at 127\.0\.0\.1: refused frame: payload "
                        r"longer than 4 MiB" % (a.id, a.name), "oversized")

    def case_bad_version(self, case):
        a = self.raw
        mark = self.mlog_mark()
        cl = self.client(*self.files(a))
        if not case.check(cl.hello(a.name, WAIT) is not None, "welcomed"):
            return
        cl.send(self.rc.frame(self.rc.EVENTS, self.rc.events_payload([("v.log", INTRUDER)]), 1,
                              version=2))
        case.check(cl.wait_closed(WAIT), "connection closed by the manager")
        case.check(cl.error_text() == "malformed frame",
                   "ERROR frame says malformed (got %r)" % cl.error_text())
        self.expect_log(case, mark, r"agent %s \(%s\) at 127\.0\.0\.1: refused frame: malformed "
                        r"header" % (a.id, a.name), "bad version")

    def case_events_before_hello(self, case):
        a = self.raw
        mark = self.mlog_mark()
        cl = self.client(*self.files(a))
        cl.send(self.intruder_events())
        case.check(cl.wait_closed(WAIT), "connection closed by the manager")
        case.check(not any(f.type == self.rc.WELCOME for f in cl.frames), "no WELCOME")
        case.check(cl.error_text() is not None, "ERROR frame sent (%r)" % cl.error_text())
        self.expect_log(case, mark, r"agent %s \(%s\) at 127\.0\.0\.1: EVENTS frame before "
                        r"HELLO" % (a.id, a.name), "events before HELLO")

    def connect_welcomed(self, agent, timeout):
        """Connects with agent's certificate until welcomed (a refusal is
        retried once a second); the client, or None after timeout."""
        end = time.time() + timeout
        while True:
            mark = self.mlog_mark()
            cl = self.client(*self.files(agent))
            if cl.hello(agent.name, WAIT) is not None:
                return cl, None
            cl.close()
            why = re.findall(r"^.*refused 127\.0\.0\.1.*$", self.c.manager.log()[mark:], re.M)
            last = why[-1].strip() if why else cl.close_reason
            if time.time() + 1 > end:
                return None, last
            time.sleep(1)

    def case_error_then_reset(self, case):
        """A protocol error whose connection the client resets at once (so
        the manager's ERROR frame cannot be delivered) must not leave the
        agent marked as connected: it must be able to connect again."""
        a = self.raw
        rounds = 5
        for r in range(1, rounds + 2):
            cl, why = self.connect_welcomed(a, WAIT)
            if not case.check(cl is not None, "round %d: the agent is welcomed again within "
                              "%ss (last refusal: %s)" % (r, WAIT, why)):
                return
            if r > rounds:
                cl.close()
                break
            mark = self.mlog_mark()
            cl.send(self.rc.frame(self.rc.EVENTS, b"", 1, version=9))
            cl.reset()
            if not self.expect_log(case, mark, r"\(%s\) at 127\.0\.0\.1: refused frame: "
                                   r"malformed header" % a.name, "bad version, reset"):
                return
        case.note("%d rounds of bad frame + reset, then welcomed again" % rounds)

    # ---- the run -----------------------------------------------------------

    def setup(self):
        c = self.c
        # harness.free_port() may hand out the same port twice.
        while c.enroll_port == c.port:
            c.enroll_port = harness.free_port()
        c.write_manager_config()
        c.start_manager()
        self.ca = os.path.join(c.mdir, "data", "pki", "ca.crt")
        token = c.token(uses=4)
        self.real = c.add_agent("real", token)
        self.revoked = c.add_agent("revoked", token)  # enrolled, never started
        self.replay = c.add_agent("replay", token)
        self.raw = c.add_agent("raw", token)
        path = os.path.join(self.real.dir, "logs", "app.log")
        open(path, "a").close()  # exists at the agent's first start: read from its end
        self.alerts = Alerts(os.path.join(c.mdir, "log", "alerts.json"))
        self.real.start()
        harness.wait_for(lambda: "connected to manager" in self.real.log(), 60,
                         "the real agent to connect")
        self.writer = Writer(path, RATE)
        self.writer.start()

        def first():
            self.alerts.poll()
            return self.alerts.max_real() >= 1
        harness.wait_for(first, 60, "the real agent's first alert", 0.1)

    def final_checks(self):
        c = self.c
        case = Case("end: every real event alerted exactly once, nothing else")
        total = self.writer.stop()

        def all_in():
            self.alerts.poll()
            return len(self.alerts.real) >= total
        case.check(wait_until(all_in, 120, 0.2), "all %d real events alerted" % total)
        mlog_before_stop = c.manager.log()
        c.stop_all()  # alerts.json is final once the manager has stopped
        self.alerts.poll()
        counts = self.alerts.real
        missing = [n for n in range(1, total + 1) if n not in counts]
        dups = {n: k for n, k in counts.items() if k > 1}
        extra = [n for n in counts if n > total]
        case.note("%d events written at %d/s, %d alerted, %d missing, %d twice or more"
                  % (total, RATE, len(counts), len(missing), len(dups)))
        case.check(not missing, "no event missing (e.g. %s)" % missing[:5])
        case.check(not dups, "no event alerted twice (e.g. %s)" % sorted(dups.items())[:5])
        case.check(not extra, "no unknown event")
        wrong = [al for al in self.alerts.all if REAL_RE.match(al.get("full_log", ""))
                 and al["agent"]["id"] != self.real.id]
        case.check(not wrong, "real events carry the real agent's id")
        n_replay = len(self.alerts.with_log("vigil-test: replay"))
        case.check(n_replay == 1, "exactly one alert for the replayed event (got %d)" % n_replay)
        n_intr = len(self.alerts.with_log(INTRUDER))
        case.check(n_intr == 0, "no alert for what attackers sent (got %d)" % n_intr)
        conn = len(re.findall(r"agent %s \(%s\) at 127\.0\.0\.1: connected" %
                              (self.real.id, self.real.name), mlog_before_stop))
        case.check(conn == 1, "the real agent stayed on its one connection (%d)" % conn)
        for pat in [r"AddressSanitizer", r"runtime error:", r"LeakSanitizer"]:
            case.check(not re.search(pat, c.manager.log()), "manager log has no " + pat)
        print("%s: %s" % ("PASS" if not case.failures else "FAIL", case.name))
        for n in case.notes:
            print("      " + n)
        for f in case.failures:
            print("      failed: " + f)
        self.cases.append(case)

    def run(self):
        ok = False
        t0 = time.time()
        try:
            self.setup()
            self.run_case("1. no client certificate", self.case_no_cert)
            self.run_case("2. certificate from another CA (CN 001)", self.case_foreign_ca)
            self.run_case("3. revoked agent", self.case_revoked)
            self.run_case("4. duplicate connection with the real agent's certificate",
                          self.case_duplicate)
            self.run_case("5. replayed EVENTS frame", self.case_replay)
            self.run_case("6. truncated frame (100 announced, 10 sent, close)",
                          self.case_truncated)
            self.run_case("7. oversized frame (5 MiB announced)", self.case_oversized)
            self.run_case("8a. malformed header (version 2)", self.case_bad_version)
            self.run_case("8b. EVENTS before HELLO", self.case_events_before_hello)
            self.run_case("9. protocol error then TCP reset: agent not locked out",
                          self.case_error_then_reset)
            self.final_checks()
            failed = [cs.name for cs in self.cases if cs.failures]
            print("%d cases, %d failed, %.1f s" % (len(self.cases), len(failed),
                                                    time.time() - t0))
            ok = not failed
        finally:
            if hasattr(self, "writer"):
                self.writer.halt.set()
            if not ok:
                self.c.dump_logs()
            self.c.cleanup(ok)
        return ok


def main():
    if ssl is None or not HAVE_TLS13:
        harness.skip("Python's ssl module with TLS 1.3 is not available")
    if not shutil.which("openssl"):
        harness.skip("the openssl command is not installed")
    sys.exit(0 if Test().run() else 1)


if __name__ == "__main__":
    main()
