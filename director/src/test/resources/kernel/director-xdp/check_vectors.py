#!/usr/bin/python3
"""Checks tunnel-vectors.txt with tools that are not the project's code (README.md, "Independent check").

For every case:
  * scapy builds the expected frame from the case's input and entry, following
    docs/handoff-protocol.md section 3.11 and bpf/README.md (written again here in Python):
    Ethernet (the next hop's MACs) / IPv4 (DF, TTL 64, id 0, TOS 0, valid checksum) /
    UDP (source port = the flow's hash, checksum 0) / TUNNEL header (magic, version 1, type 11,
    total length, flags 0, token) / the input's IPv4 packet unchanged, without Ethernet padding;
    it must equal the committed output byte for byte;
  * tshark, given all outputs as one Ethernet capture, reports the outer IPv4 checksum good and
    reads the same addresses, ports and lengths.

Usage: /usr/bin/python3 check_vectors.py [tunnel-vectors.txt]   (Debian python3-scapy and tshark)
Exit status 0 when every case passes.
"""
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import IP, UDP, Ether, Raw, raw, wrpcap

KEYS = ["about", "source", "derived", "agent", "source-address", "token", "flags", "next-hop", "verdict",
        "input", "output"]


def read_cases(path):
    cases, case = [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition(" ")
            if key == "case":
                case = {"name": value, "keys": []}
            elif key == "end":
                if case["keys"] != KEYS:
                    raise SystemExit(f"{case['name']}: keys {case['keys']} (expected: {KEYS})")
                cases.append(case)
                case = None
            else:
                case[key] = value
                case["keys"].append(key)
    return cases


def source_port(inner):
    client, vip = struct.unpack("!II", inner[12:20])
    client_port, vip_port = struct.unpack("!HH", inner[20:24])
    h = client ^ vip ^ (client_port << 16 | vip_port)
    return ((h >> 16) ^ (h & 0xFFFF)) | 0xC000


def expected(case):
    frame = bytes.fromhex(case["input"])
    inner_length = struct.unpack("!H", frame[16:18])[0]
    inner = frame[14:14 + inner_length]
    agent, agent_port = case["agent"].split()
    dmac, smac = case["next-hop"].split()
    header = struct.pack("!HBBHH", 0x484F, 1, 11, 16 + len(inner), 0) + bytes.fromhex(case["token"])
    packet = (Ether(dst=dmac, src=smac)
              / IP(src=case["source-address"], dst=agent, flags="DF", ttl=64, id=0, tos=0)
              / UDP(sport=source_port(inner), dport=int(agent_port), chksum=0)
              / Raw(header + inner))
    return raw(packet)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "tunnel-vectors.txt")
    cases = read_cases(path)
    failures = 0
    for case in cases:
        want = expected(case)
        got = bytes.fromhex(case["output"])
        if want != got:
            failures += 1
            print(f"FAIL {case['name']}: output differs\n  want {want.hex()}\n  got  {got.hex()}")
        else:
            print(f"ok   {case['name']}: {len(got)} bytes")
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "outputs.pcap")
        wrpcap(pcap, [Ether(bytes.fromhex(c["output"])) for c in cases])
        fields = ["ip.checksum.status", "ip.src", "ip.dst", "ip.flags.df", "ip.ttl", "udp.srcport", "udp.dstport",
                  "udp.length", "udp.checksum"]
        out = subprocess.run(["tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-T", "fields"]
                             + [a for f in fields for a in ("-e", f)], capture_output=True, text=True, check=True).stdout
        for case, line in zip(cases, out.strip().split("\n")):
            status, src, dst, df, ttl, sport, dport, udp_length, udp_checksum = line.split("\t")
            inner_length = struct.unpack("!H", bytes.fromhex(case["input"])[16:18])[0]
            agent, agent_port = case["agent"].split()
            seen = (status, src, dst, df, ttl, dport, int(udp_length), udp_checksum)
            # checksum status 1 = good (0 bad, 2 unverified); DF prints as 1 or True by version
            want = ("1", case["source-address"], agent, df if df in ("1", "True") else "1", "64", agent_port,
                    8 + 16 + inner_length, "0x0000")
            if seen != want or not 0xC000 <= int(sport) <= 0xFFFF:
                failures += 1
                print(f"FAIL {case['name']}: tshark read {seen}, sport {sport} (expected: {want})")
            else:
                print(f"ok   {case['name']}: tshark: IPv4 checksum good, {src} -> {dst}:{dport}, UDP length {udp_length}")
    print(f"{len(cases)} cases, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
