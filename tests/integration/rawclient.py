"""A hand-driven agent for Vigil's integration tests: frames built byte by
byte (include/vigil/frame.h) and sent over a TLS 1.3 connection made with
Python's ssl module, so a test can send what a real agent never would
(no certificate, another CA's certificate, replayed, truncated, oversized
or malformed frames) and see exactly how the manager answers.

A RawClient never raises for what the manager does to it: a refused
handshake, a TLS alert, a reset or a plain close all end up as
`closed = True` with the reason in `close_reason`, which is what the tests
assert on.
"""
import json
import socket
import ssl
import struct
import time

VERSION = 1
HEADER = 16
HELLO, WELCOME, EVENTS, ACK, CONFIG, CONFIG_ACK, PING, PONG = 1, 2, 3, 4, 5, 6, 7, 8
ERROR = 31
NAMES = {HELLO: "HELLO", WELCOME: "WELCOME", EVENTS: "EVENTS", ACK: "ACK", CONFIG: "CONFIG",
         CONFIG_ACK: "CONFIG_ACK", PING: "PING", PONG: "PONG", ERROR: "ERROR"}


def header(ftype, length, seq=0, version=VERSION, flags=0):
    """The 16-byte header: version, type, flags (u16), length (u32), seq (u64)."""
    return struct.pack(">BBHIQ", version, ftype, flags, length, seq)


def frame(ftype, payload=b"", seq=0, version=VERSION, flags=0):
    return header(ftype, len(payload), seq, version, flags) + payload


def hello_payload(name, version="rawclient-1", hostname=None):
    return json.dumps({"name": name, "version": version, "config_hash": "",
                       "hostname": hostname or name}).encode()


def events_payload(records):
    """records: (location, log) pairs, str or bytes."""
    out = bytearray()
    for loc, log in records:
        loc = loc.encode() if isinstance(loc, str) else loc
        log = log.encode() if isinstance(log, str) else log
        out += struct.pack(">H", len(loc)) + loc + struct.pack(">I", len(log)) + log
    return bytes(out)


class Frame:
    def __init__(self, ftype, seq, payload):
        self.type = ftype
        self.seq = seq
        self.payload = payload

    def json(self):
        try:
            return json.loads(self.payload.decode("utf-8", "replace"))
        except ValueError:
            return None

    def __repr__(self):
        return "%s(seq=%d, %r)" % (NAMES.get(self.type, str(self.type)), self.seq,
                                   self.payload[:80])


def client_context(cafile, certfile=None, keyfile=None):
    """TLS 1.3 only; the server is checked against the manager's CA, never
    by host name (as the real agent does)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile)
    if certfile:
        ctx.load_cert_chain(certfile, keyfile)
    return ctx


class RawClient:
    def __init__(self, port, cafile, certfile=None, keyfile=None, host="127.0.0.1",
                 timeout=10.0):
        self.closed = False
        self.close_reason = None
        self.frames = []  # every frame received, in order
        self._buf = b""
        self.sock = None
        raw = socket.create_connection((host, port), timeout)
        try:
            ctx = client_context(cafile, certfile, keyfile)
            self.sock = ctx.wrap_socket(raw, server_hostname=None, do_handshake_on_connect=False)
            self.sock.settimeout(timeout)
            self.sock.do_handshake()
        except (ssl.SSLError, OSError) as e:
            # In TLS 1.3 the server judges the client's certificate after the
            # client has finished, so this is rare; both ways mean "refused".
            self._closed("handshake: %s" % e)
            if self.sock is None:
                raw.close()

    def _closed(self, why):
        if not self.closed:
            self.closed = True
            self.close_reason = why
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass

    def send(self, data):
        """Returns False (and marks the client closed) when the manager has
        already closed the connection."""
        if self.closed:
            return False
        try:
            self.sock.sendall(data)
            return True
        except (ssl.SSLError, OSError) as e:
            self._closed("send: %s" % e)
            return False

    def _fill(self, deadline):
        """Reads more bytes; False at close or when the deadline passes."""
        if self.closed:
            return False
        left = deadline - time.time()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ssl.SSLWantReadError:
            return True
        except (ssl.SSLError, OSError) as e:
            self._closed("recv: %s" % e)
            return False
        if not data:
            self._closed("end of stream")
            return False
        self._buf += data
        return True

    def read_frame(self, timeout):
        """The next frame, or None at close or timeout (self.closed tells)."""
        deadline = time.time() + timeout
        while True:
            if len(self._buf) >= HEADER:
                _v, ftype, _fl, length, seq = struct.unpack(">BBHIQ", self._buf[:HEADER])
                if len(self._buf) >= HEADER + length:
                    f = Frame(ftype, seq, self._buf[HEADER:HEADER + length])
                    self._buf = self._buf[HEADER + length:]
                    self.frames.append(f)
                    return f
            if not self._fill(deadline):
                return None

    def wait_frame(self, ftype, timeout):
        """Skips other frames (PING, CONFIG) until one of ftype arrives."""
        deadline = time.time() + timeout
        while True:
            f = self.read_frame(max(0.0, deadline - time.time()))
            if f is None or f.type == ftype:
                return f

    def wait_closed(self, timeout):
        """Reads (keeping frames) until the manager closes; True if it did."""
        deadline = time.time() + timeout
        while not self.closed and time.time() < deadline:
            self.read_frame(deadline - time.time())
        return self.closed

    def error_text(self):
        """The reason in the last ERROR frame received, or None."""
        for f in reversed(self.frames):
            if f.type == ERROR:
                j = f.json()
                return j.get("error") if isinstance(j, dict) else f.payload.decode(
                    "utf-8", "replace")
        return None

    def hello(self, name, timeout=10.0):
        """HELLO, then the WELCOME frame (None when refused instead)."""
        if not self.send(frame(HELLO, hello_payload(name))):
            return None
        return self.wait_frame(WELCOME, timeout)

    def close(self):
        self._closed("closed by the client")

    def reset(self):
        """Closes with a TCP reset (SO_LINGER 0) instead of a clean close."""
        if self.sock is not None and not self.closed:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
            except OSError:
                pass
        self._closed("reset by the client")
