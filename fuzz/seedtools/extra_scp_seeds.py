"""Hostile and unusual scp streams and command lines (names with '/', '..', huge sizes, D without -r, shell syntax).
Named synth-*. The first line is the exec command line, the rest what the client sends.

usage: extra_scp_seeds.py DIR
"""
import os
import sys

d = sys.argv[1]
seeds = {
    "dotdot": b"scp -t /\nC0644 3 ../x\nabc\x00",
    "slash-name": b"scp -t /\nC0644 3 a/b\nabc\x00",
    "huge-size": b"scp -t /\nC0644 99999999999999999999 big\n",
    "d-without-r": b"scp -t /\nD0755 0 dir\n",
    "tree": b"scp -r -p -t /dir\nT1000000000 0 1000000000 0\nD0755 0 sub\nC0600 2 f\nhi\x00E\nE\n",
    "warn-and-fatal": b"scp -t /\n\x01scp: warning\n\x02scp: fatal\n",
    "times-bad": b"scp -p -t /\nT99999999999999 0 1 0\nC0644 1 t\nx\x00",
    "must-be-dir": b"scp -d -t /file.txt\nC0644 1 x\nx\x00",
    "source-glob": b"scp -f /dir/*\n\x00\x00\x00\x00\x00\x00",
    "source-recursive": b"scp -r -p -f /dir\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    "source-error-ack": b"scp -f /file.txt\n\x00\x01scp: no\n",
    "shell-syntax": b"scp -t '/a b' ; rm -rf /\n",
    "quoting": b"scp -v -q -- -t \"/sp ace\" '/x'\"y\"\\ z\n",
    "not-scp": b"scp -x\n",
    "mode-bad": b"scp -t /\nC0999 1 x\nx\x00",
}
for name, data in seeds.items():
    open(os.path.join(d, "synth-" + name), "wb").write(data)
