"""Listens on 127.0.0.1:PORT and writes the first bytes of each connection (what arrives within 1 s, up to 2 KiB)
to PREFIX-N: for PROXY headers from HAProxy and for first bytes of clients (detector seeds).

usage: first_bytes.py PORT PREFIX
"""
import socket
import sys
import threading

port, prefix = int(sys.argv[1]), sys.argv[2]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(16)
n = 0
while True:
    c, _ = server.accept()
    n += 1
    c.settimeout(1.0)
    data = b""
    try:
        while len(data) < 2048:
            chunk = c.recv(2048)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    c.close()
    if data:
        open(f"{prefix}-{n}", "wb").write(data)
