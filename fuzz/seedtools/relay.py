"""A logging TCP relay: listens on 127.0.0.1:LISTEN, forwards each connection to 127.0.0.1:TARGET and writes what the
client sent (up to LIMIT bytes) to PREFIX-N, one file per connection. Runs until killed.

usage: relay.py LISTEN TARGET PREFIX [LIMIT]
"""
import socket
import sys
import threading

listen, target, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
limit = int(sys.argv[4]) if len(sys.argv) > 4 else 8192
count = 0
lock = threading.Lock()


def pump(src, dst, record):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if record is not None and len(record) < limit:
                record.extend(data[: limit - len(record)])
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client):
    global count
    with lock:
        count += 1
        n = count
    upstream = socket.create_connection(("127.0.0.1", target))
    record = bytearray()
    a = threading.Thread(target=pump, args=(client, upstream, record))
    b = threading.Thread(target=pump, args=(upstream, client, None))
    a.start(); b.start(); a.join(); b.join()
    client.close(); upstream.close()
    if record:
        with open(f"{prefix}-{n}", "wb") as f:
            f.write(bytes(record))


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen))
server.listen(16)
while True:
    c, _ = server.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
