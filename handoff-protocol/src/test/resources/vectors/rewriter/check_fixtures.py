#!/usr/bin/python3
"""Checks fixtures.txt with tools that are not the project's code (README.md, "Independent check").

For every case:
  * scapy builds the expected output from the input and the case's transform (the table in
    docs/architecture.md, written again here in Python) and it must equal the committed output
    byte for byte: every field the transform names changed as it says, nothing else changed;
  * the output's IPv4 checksum is valid, and its TCP checksum is valid (states valid and
    unverified) or holds exactly the pseudo-header sum that completes to the valid one (partial);
  * tshark, given all outputs as one raw-IP capture, reports the IPv4 checksum good, the TCP
    checksum good (bad for the partial cases: a full check of a partial value fails, as it
    should), and reads the same seq, ack, ports, addresses, window, TSval/TSecr and SACK edges;
  * refused cases (result not ok) leave the packet untouched, for the stated reason.

Usage: /usr/bin/python3 check_fixtures.py [fixtures.txt]   (Debian python3-scapy and tshark)
Exit status 0 when every case passes.
"""
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import IP, TCP, raw
from scapy.layers.inet import in4_pseudoheader
from scapy.utils import checksum

MOD = 1 << 32
KEYS = ["about", "source", "derived", "direction", "checksum", "client", "vip", "server", "seq-offset",
        "timestamps", "window-shifts", "result", "reverse", "input", "output"]


def parse(path, keys=KEYS):
    """The table format (README.md, "Format"); ../tunnel/check_tunnel.py reads its table with it too."""
    cases, case = [], None
    for n, line in enumerate(open(path, encoding="ascii"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        if case is None:
            assert key == "case", f"line {n}: {line!r}"
            case = {"name": value}
        elif key == "end":
            missing = [k for k in keys if k not in case]
            assert not missing, f"{case['name']}: missing {missing}"
            cases.append(case)
            case = None
        else:
            assert key in keys and key not in case, f"line {n}: {key!r}"
            case[key] = value
    assert case is None, "no end line"
    return cases


def seq_after_or_equal(a, b):
    """a >= b in sequence space (RFC 9293 comparisons mod 2^32)."""
    return ((a - b) % MOD) < (1 << 31)


def rescale(window, ws, wd):
    if ws == wd:
        return window
    scaled = -(-(window << ws) // (1 << wd))  # ceiling division: a small open window stays open
    return min(scaled, 0xFFFF)


def pseudo_header_sum(pkt):
    """The partial TCP checksum: the folded, uncomplemented sum of the IPv4 pseudo-header."""
    tcp_len = len(raw(pkt[TCP]))
    return (~checksum(in4_pseudoheader(6, pkt, tcp_len))) & 0xFFFF


def tcp_checksum_valid(pkt):
    return checksum(in4_pseudoheader(6, pkt, len(raw(pkt[TCP]))) + raw(pkt[TCP])) == 0


def ip_checksum_valid(pkt):
    return checksum(raw(pkt)[: pkt.ihl * 4]) == 0


def timestamps(pkt):
    for kind, value in pkt[TCP].options:
        if kind == "Timestamp":
            return value
    return None


def sack_edges(pkt):
    for kind, value in pkt[TCP].options:
        if kind == "SAck":
            return list(value)
    return []


def expected_output(case, inp):
    """The rewrite, done by scapy on a copy of the input; checksums left to scapy (or the partial rule)."""
    d = int(case["seq-offset"])
    ts = case["timestamps"].split()
    ts_on = ts[0] == "on"
    t, floor = (int(ts[1]), int(ts[2])) if ts_on else (0, 0)
    ws, wd = (int(x) for x in case["window-shifts"].split())
    vip_addr, vip_port = case["vip"].split()
    server_addr, server_port = case["server"].split()
    out = IP(raw(inp))
    tcp = out[TCP]
    options = []
    if case["direction"] == "server-to-client":
        out.src, tcp.sport = vip_addr, int(vip_port)
        tcp.seq = (tcp.seq + d) % MOD
        if not tcp.flags.S:  # RFC 7323 2.2: a SYN's window is never scaled
            tcp.window = rescale(tcp.window, ws, wd)
        for kind, value in tcp.options:
            if kind == "Timestamp" and ts_on:
                tsval = (value[0] + t) % MOD
                value = (tsval if seq_after_or_equal(tsval, floor) else floor, value[1])
            options.append((kind, value))
    else:
        out.dst, tcp.dport = server_addr, int(server_port)
        tcp.ack = (tcp.ack - d) % MOD
        for kind, value in tcp.options:
            if kind == "SAck":
                value = tuple((edge - d) % MOD for edge in value)
            elif kind == "Timestamp" and ts_on:
                value = (value[0], (value[1] - t) % MOD)
            options.append((kind, value))
    tcp.options = options
    del out.chksum
    del tcp.chksum
    out = IP(raw(out))  # scapy fills both checksums in full
    if case["checksum"] == "partial":
        out[TCP].chksum = pseudo_header_sum(out)
        out = IP(raw(out))
    return out


def field_changes(a, b):
    """Names of the header fields, options and payload that differ between two TCP/IPv4 packets."""
    names = []
    for layer, fields in ((IP, ["tos", "len", "id", "flags", "frag", "ttl", "proto", "chksum", "src", "dst"]),
                          (TCP, ["sport", "dport", "seq", "ack", "dataofs", "flags", "window", "chksum", "urgptr"])):
        names += [f"{layer.__name__.lower()}.{f}" for f in fields if getattr(a[layer], f) != getattr(b[layer], f)]
    ta, tb = timestamps(a), timestamps(b)
    if ta and ta[0] != tb[0]:
        names.append("tsval")
    if ta and ta[1] != tb[1]:
        names.append("tsecr")
    if sack_edges(a) != sack_edges(b):
        names.append(f"sack({len(sack_edges(a)) // 2})")
    if raw(a[TCP].payload) != raw(b[TCP].payload):
        names.append("payload")
    return names


def check_case(case):
    """Returns (problems, summary)."""
    inp_bytes, out_bytes = bytes.fromhex(case["input"]), bytes.fromhex(case["output"])
    problems = []
    if case["result"] != "ok":
        if out_bytes != inp_bytes:
            problems.append("refused, yet the output differs from the input")
        version = inp_bytes[0] >> 4
        if case["result"] == "not-ipv4" and version == 4:
            problems.append("result not-ipv4 for an IPv4 packet")
        if case["result"] == "not-tcp" and (version != 4 or inp_bytes[9] == 6):
            problems.append("result not-tcp for a TCP (or non-IPv4) packet")
        return problems, f"untouched ({case['result']}, IP version {version}, protocol {inp_bytes[9 if version == 4 else 6]})"
    inp = IP(inp_bytes)
    if raw(IP(inp_bytes)) != inp_bytes:
        problems.append("scapy does not re-serialise the input unchanged")
    state = case["checksum"]
    if state == "valid" and not tcp_checksum_valid(inp):
        problems.append("input: checksum state valid, but its TCP checksum is not")
    if state == "partial" and inp[TCP].chksum != pseudo_header_sum(inp):
        problems.append("input: checksum state partial, but its TCP checksum is not the pseudo-header sum")
    if not ip_checksum_valid(inp):
        problems.append("input: IPv4 header checksum not valid")
    out = IP(out_bytes)
    if not ip_checksum_valid(out):
        problems.append("output: IPv4 header checksum not valid")
    if state == "partial":
        if out[TCP].chksum != pseudo_header_sum(out):
            problems.append(f"output: TCP checksum {out[TCP].chksum:#06x} is not the pseudo-header sum {pseudo_header_sum(out):#06x}")
        # Completing the partial value as a device would (sum the segment with it in place) gives the full checksum.
        full = IP(raw(out))
        del full[TCP].chksum
        completed = checksum(raw(out[TCP]))
        if completed != IP(raw(full))[TCP].chksum and not (completed == 0xFFFF and IP(raw(full))[TCP].chksum == 0):
            problems.append("output: the partial checksum does not complete to the full one")
    elif not tcp_checksum_valid(out):
        problems.append("output: TCP checksum not valid")
    want = expected_output(case, inp)
    if raw(want) != out_bytes:
        at = next(i for i in range(len(out_bytes)) if i >= len(raw(want)) or raw(want)[i] != out_bytes[i])
        problems.append(f"output differs from scapy's rewrite at byte {at} ({field_changes(want, out)})")
    return problems, "changed: " + " ".join(field_changes(inp, out))


def tshark_check(cases, want):
    """tshark's own dissection of every ok output: checksum verdicts and the rewritten field values."""
    ok = [c for c in cases if c["result"] == "ok"]
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "outputs.pcap")
        with open(pcap, "wb") as f:  # classic pcap, link type 101 (raw IP): the outputs as they are
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 101))
            for i, c in enumerate(ok):
                packet = bytes.fromhex(c["output"])
                f.write(struct.pack("<IIII", i, 0, len(packet), len(packet)) + packet)
        fields = ["ip.checksum.status", "tcp.checksum.status", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport",
                  "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size_value", "tcp.options.timestamp.tsval",
                  "tcp.options.timestamp.tsecr", "tcp.options.sack_le", "tcp.options.sack_re"]
        cmd = ["tshark", "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
               "-o", "tcp.relative_sequence_numbers:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE",
               "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields:
            cmd += ["-e", f]
        rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    problems = {}
    if len(rows) != len(ok):
        return {"tshark": [f"{len(rows)} packets dissected (expected: {len(ok)})"]}
    for case, row in zip(ok, rows):
        got = dict(zip(fields, row.split("|")))
        pkt = want[case["name"]]
        ts = timestamps(pkt)
        edges = sack_edges(pkt)
        expect = {
            "ip.checksum.status": "1",
            # 1 good, 0 bad: a partial value fails a full check by design.
            "tcp.checksum.status": "0" if case["checksum"] == "partial" else "1",
            "ip.src": pkt.src, "ip.dst": pkt.dst, "tcp.srcport": str(pkt.sport), "tcp.dstport": str(pkt.dport),
            "tcp.seq_raw": str(pkt.seq), "tcp.ack_raw": str(pkt.ack), "tcp.window_size_value": str(pkt.window),
            "tcp.options.timestamp.tsval": str(ts[0]) if ts else "", "tcp.options.timestamp.tsecr": str(ts[1]) if ts else "",
            "tcp.options.sack_le": ",".join(str(e) for e in edges[0::2]),
            "tcp.options.sack_re": ",".join(str(e) for e in edges[1::2]),
        }
        bad = [f"{k}: tshark {got.get(k)!r}, expected {v!r}" for k, v in expect.items() if got.get(k) != v]
        if bad:
            problems[case["name"]] = bad
    return problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.txt")
    cases = parse(path)
    failed = 0
    want = {}
    for case in cases:
        problems, summary = check_case(case)
        if case["result"] == "ok":
            want[case["name"]] = expected_output(case, IP(bytes.fromhex(case["input"])))
        print(f"{'FAIL' if problems else 'ok  '} {case['name']:<36} {case['direction']:<16} {case['checksum']:<10} {summary}")
        for p in problems:
            print(f"       {p}")
        failed += bool(problems)
    tshark = tshark_check(cases, want)
    for name, problems in tshark.items():
        print(f"FAIL {name} (tshark)")
        for p in problems:
            print(f"       {p}")
    version = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    import scapy
    print(f"{len(cases)} cases, {failed} failed by the scapy rewrite, {len(tshark)} failed by tshark "
          f"(scapy {scapy.VERSION}; {version})")
    return 1 if failed or tshark else 0


if __name__ == "__main__":
    sys.exit(main())
