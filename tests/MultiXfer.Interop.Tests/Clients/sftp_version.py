"""Logs in with paramiko, opens the sftp subsystem, sends SSH_FXP_INIT with the version asked for and prints the
server's SSH_FXP_VERSION as JSON: the version and every extension name it announces (draft-ietf-secsh-filexfer)."""
import json, socket, struct, sys
import paramiko

port, user, password, version = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
sock = socket.create_connection(("127.0.0.1", port), timeout=20)
transport = paramiko.Transport(sock)
transport.connect(username=user, password=password)
channel = transport.open_session()
channel.invoke_subsystem("sftp")
channel.sendall(struct.pack(">IBI", 5, 1, version))

def read_exactly(count):
    data = b""
    while len(data) < count:
        chunk = channel.recv(count - len(data))
        if not chunk:
            raise EOFError("channel closed")
        data += chunk
    return data

length = struct.unpack(">I", read_exactly(4))[0]
packet = read_exactly(length)
assert packet[0] == 2, "expected SSH_FXP_VERSION"
offered = struct.unpack(">I", packet[1:5])[0]
extensions, offset = [], 5
while offset < len(packet):
    name_length = struct.unpack(">I", packet[offset:offset + 4])[0]
    name = packet[offset + 4:offset + 4 + name_length].decode()
    offset += 4 + name_length
    data_length = struct.unpack(">I", packet[offset:offset + 4])[0]
    offset += 4 + data_length
    extensions.append(name)
print(json.dumps({"version": offered, "extensions": extensions}))
transport.close()
