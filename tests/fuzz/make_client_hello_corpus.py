#!/usr/bin/env python3
"""Write the seed corpus of fuzz_client_hello (tests/fuzz/corpus/client_hello/).

Seeds: the captured first flights of real clients (tests/data/clients/*.json,
made by tests/clients/capture.py), each also split over two records, cut
short and with its ClientHello body alone; plus hand-made edge cases.  The
input is the bytes of handshake records as a client sends them (the target
also parses it as a bare ClientHello body).  Run again after new captures.
"""
import glob
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "clients")
OUT = os.path.join(HERE, "corpus", "client_hello")


def record(body, ctype=22):
    return bytes([ctype, 3, 1]) + struct.pack("!H", len(body)) + body


def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def vec(n, body):
    return len(body).to_bytes(n, "big") + body


def hello_body(suites=(0x1301, 0xC02F), exts=b"", sid=b"", comp=b"\x00"):
    b = b"\x03\x03" + bytes(32) + vec(1, sid)
    b += vec(2, b"".join(struct.pack("!H", s) for s in suites)) + vec(1, comp)
    if exts is not None:
        b += vec(2, exts)
    return b


def handshake(body):
    return b"\x01" + len(body).to_bytes(3, "big") + body


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for path in sorted(glob.glob(os.path.join(DATA, "*.json"))):
        doc = json.load(open(path))
        if "client_hello" not in doc:
            continue
        name = os.path.basename(path)[:-5]
        raw = bytes.fromhex(doc["client_hello"])
        seeds["capture_" + name] = raw
        hs = raw[5:]
        cut = len(hs) // 2
        seeds["split_" + name] = record(hs[:cut]) + record(hs[cut:])
        seeds["short_" + name] = raw[:len(raw) - 7]
        seeds["body_" + name] = hs[4:]
    grease = 0x3A3A
    seeds["grease_everywhere"] = record(handshake(hello_body(
        suites=(grease, 0x1301, 0x00FF),
        exts=ext(grease, b"") + ext(10, vec(2, struct.pack("!HH", grease, 29))) +
        ext(43, vec(1, struct.pack("!HH", grease, 0x0304))) +
        ext(16, vec(2, vec(1, b"\x2a\x2a") + vec(1, b"h2"))) +
        ext(51, vec(2, struct.pack("!H", grease) + vec(2, b"\x00") +
                    struct.pack("!H", 29) + vec(2, bytes(32)))))))
    seeds["no_extensions"] = record(handshake(hello_body(exts=None)))
    seeds["sni_two_names"] = record(handshake(hello_body(
        exts=ext(0, vec(2, b"\x00" + vec(2, b"a.example") + b"\x00" + vec(2, b"b"))))))
    seeds["ext_overrun"] = record(handshake(hello_body(exts=b"\x00\x0a\x00\x08\x00\x02")))
    seeds["ext_trailing"] = record(handshake(hello_body(
        exts=ext(43, vec(1, struct.pack("!H", 0x0304)) + b"\x00"))))
    seeds["duplicate_ext"] = record(handshake(hello_body(exts=ext(23, b"") + ext(23, b""))))
    seeds["empty_alpn_name"] = record(handshake(hello_body(exts=ext(16, vec(2, b"\x00")))))
    seeds["many_groups"] = record(handshake(hello_body(
        exts=ext(10, vec(2, b"".join(struct.pack("!H", 0x100 + i) for i in range(100)))))))
    seeds["many_suites"] = record(handshake(hello_body(suites=range(1, 400))))
    seeds["odd_suites"] = record(handshake(hello_body(suites=()) + b"\x00"))
    seeds["long_sid"] = record(handshake(hello_body(sid=bytes(33))))
    seeds["server_hello_type"] = record(b"\x02" + handshake(hello_body())[1:])
    seeds["alert_record"] = record(b"\x02\x28", ctype=21)
    seeds["deflate"] = record(handshake(hello_body(comp=b"\x01\x00")))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
