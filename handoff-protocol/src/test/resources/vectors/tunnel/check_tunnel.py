#!/usr/bin/python3
"""Checks fixtures.txt with tools that are not the project's code (README.md, "Independent check").

For every case:
  * scapy builds the expected frame from the case's inputs (director, agent, port, token, inner)
    by the rules of docs/handoff-protocol.md 3.11, written again here: outer IPv4 (no options,
    TOS 0, id 0, DF, TTL 64, UDP, checksum by scapy), UDP (source port = the documented hash,
    checksum 0), the 16-byte TUNNEL header, the inner packet; it must equal the committed frame
    byte for byte;
  * scapy dissects the committed frame and reads every field back: the outer header checksum
    verifies, the inner packet is the case's inner, and its own IPv4 and TCP checksums verify
    (the encapsulation leaves the client's packet untouched);
  * the committed source-port equals the hash computed here.

Usage: /usr/bin/python3 check_tunnel.py [fixtures.txt]   (Debian python3-scapy)
Exit status 0 when every case passes.
"""
import os
import struct
import sys

from scapy.all import IP, TCP, UDP, Raw, raw
from scapy.layers.inet import in4_pseudoheader
from scapy.utils import checksum

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rewriter"))
from check_fixtures import parse as parse_table  # noqa: E402 (found through the path above)

KEYS = ["about", "source", "derived", "director", "agent", "token", "source-port", "inner", "frame"]


def parse(path):
    """The rewriter table's format, read by the rewriter checker's own parser."""
    return parse_table(path, KEYS)


def source_port(inner):
    """docs/handoff-protocol.md 3.11: fold of client ^ vip ^ (client port << 16 | vip port), | 0xC000."""
    ihl = (inner[0] & 0x0F) * 4
    client, vip = struct.unpack("!II", inner[12:20])
    cport, vport = struct.unpack("!HH", inner[ihl:ihl + 4])
    h = client ^ vip ^ ((cport << 16) | vport)
    return ((h >> 16) ^ (h & 0xFFFF)) | 0xC000


def expected_frame(case, inner):
    agent, port = case["agent"].split(" ")
    token = int(case["token"], 16)
    header = struct.pack("!HBBHHQ", 0x484F, 1, 11, 16 + len(inner), 0, token)
    pkt = (IP(src=case["director"], dst=agent, tos=0, id=0, flags="DF", ttl=64, proto=17)
           / UDP(sport=source_port(inner), dport=int(port), chksum=0)
           / Raw(header + inner))
    return raw(pkt)


def check(case):
    problems = []
    inner = bytes.fromhex(case["inner"])
    frame = bytes.fromhex(case["frame"])
    if expected_frame(case, inner) != frame:
        problems.append("frame differs from the scapy-built one")
    ip = IP(frame)
    if checksum(frame[:20]) != 0:
        problems.append("outer IPv4 checksum")
    agent, port = case["agent"].split(" ")
    fields = {"version": (ip.version, 4), "ihl": (ip.ihl, 5), "tos": (ip.tos, 0), "len": (ip.len, len(frame)),
              "id": (ip.id, 0), "flags": (int(ip.flags), 2), "frag": (ip.frag, 0), "ttl": (ip.ttl, 64),
              "proto": (ip.proto, 17), "src": (ip.src, case["director"]), "dst": (ip.dst, agent)}
    udp = ip[UDP]
    fields.update({"udp.sport": (udp.sport, int(case["source-port"])), "udp.dport": (udp.dport, int(port)),
                   "udp.len": (udp.len, len(frame) - 20), "udp.chksum": (udp.chksum, 0)})
    payload = bytes(udp.payload)
    magic, version, mtype, total, flags, token = struct.unpack("!HBBHHQ", payload[:16])
    fields.update({"magic": (magic, 0x484F), "tunnel.version": (version, 1), "type": (mtype, 11),
                   "total": (total, len(payload)), "tunnel.flags": (flags, 0), "token": (token, int(case["token"], 16))})
    problems += [f"{k}={got} (expected {want})" for k, (got, want) in fields.items() if got != want]
    if token == 0:
        problems.append("token 0")
    if payload[16:] != inner:
        problems.append("inner packet differs")
    if int(case["source-port"]) != source_port(inner):
        problems.append("source-port is not the hash of the inner 4-tuple")
    i = IP(inner)
    if checksum(inner[: i.ihl * 4]) != 0:
        problems.append("inner IPv4 checksum")
    tcp_len = len(raw(i[TCP]))
    if checksum(in4_pseudoheader(6, i, tcp_len) + raw(i[TCP])) != 0:
        problems.append("inner TCP checksum")
    if i.len != len(inner) or i.proto != 6:
        problems.append("inner packet is not one whole TCP packet")
    return problems, i


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.txt")
    failed = 0
    cases = parse(path)
    for case in cases:
        problems, i = check(case)
        failed += bool(problems)
        what = f"inner {i.src}:{i[TCP].sport} > {i.dst}:{i[TCP].dport} {len(i)}B ihl={i.ihl} flags={i[TCP].flags}"
        print(f"{'FAIL' if problems else 'ok  '} {case['name']:<22} sport={case['source-port']} {what}"
              + ("" if not problems else "  " + "; ".join(problems)))
    print(f"{len(cases)} cases, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
