#!/usr/bin/env python3
"""The manager's syslog receiver: RFC 3164 over UDP, RFC 5424 and RFC 3164
over TCP (octet counting and newline framing) from an allowed address are
analysed, with the sender's address as location."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    with harness.Cluster() as c:
        port = harness.free_port()
        c.write_manager_config(
            "  syslog:\n    - {bind: 127.0.0.1, port: %d, protocol: both, allowed_ips: "
            "[127.0.0.0/8]}\n" % port)
        c.start_manager()
        harness.wait_for(lambda: "syslog receiver on 127.0.0.1 port %d" % port in c.manager.log(),
                         30, "the syslog receiver")
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"<38>Nov 26 10:00:00 web1 sshd[811]: Failed password for root from "
                 b"198.51.100.7 port 50022 ssh2", ("127.0.0.1", port))
        t = socket.create_connection(("127.0.0.1", port))
        msg = (b"<34>1 2026-11-26T10:00:01.123Z web2 sshd 812 - - Failed password for invalid "
               b"user bob from 198.51.100.8 port 50023 ssh2")
        t.sendall(b"%d " % len(msg) + msg)
        t.sendall(b"<13>Nov 26 10:00:02 web3 sshd[813]: Failed password for root from "
                  b"198.51.100.9 port 50024 ssh2\n")
        t.close()

        def got():
            al = c.alerts()
            a1 = [a for a in al if "198.51.100.7" in a["full_log"]]
            a2 = [a for a in al if "198.51.100.8" in a["full_log"]]
            a3 = [a for a in al if "198.51.100.9" in a["full_log"]]
            return (a1, a2, a3) if a1 and a2 and a3 else None
        a1, a2, a3 = harness.wait_for(got, 30, "the three syslog alerts")
        for name, a in (("udp/3164", a1[0]), ("tcp/5424 octet-counted", a2[0]),
                        ("tcp/3164 newline", a3[0])):
            print("%-24s rule %s level %s location %s host %s" % (
                name, a["rule"]["id"], a["rule"]["level"], a["location"],
                a.get("predecoder", {}).get("hostname")))
            if a["location"] != "127.0.0.1":
                harness.fail("%s: location is not the sender's address" % name)
        # RFC 5424 becomes "ISO-TIMESTAMP HOST APP[PID]: MSG" (docs/syslogd.md); Wazuh's
        # alerts name the header's host only for the "Mmm dd hh:mm:ss" form.
        pre = a2[0].get("predecoder", {})
        if pre.get("program_name") != "sshd" or a2[0]["data"].get("srcuser") != "bob" or \
                "web2 sshd[812]" not in a2[0]["full_log"]:
            harness.fail("the RFC 5424 message was not decoded as sshd from web2")
        print("PASS: syslog over UDP and TCP analysed")


if __name__ == "__main__":
    main()
