#!/usr/bin/python3
"""Hostile SSH client built on paramiko: completes the key exchange like a normal client, then uses paramiko's
transport internals (Transport._send_message) to send what no real client would.

Usage: ssh_hostile.py PORT USER PASSWORD CASE [MARKER_DIRECTORY]   (the directory only for reply-flood)

Prints, one per line, what the C# test asserts on:
  DISCONNECT <code> <description>   the SSH_MSG_DISCONNECT the server sent (from paramiko's log)
  CLOSED <seconds>                  the transport ended, <seconds> after the hostile message was sent
  OPEN                              the transport was still up when the wait ended
  ALIVE <bool>                      whether a round trip (keepalive global request) succeeded at a checkpoint
  ECHO <ok|mismatch> <bytes>        an echo subsystem round trip
  MAXDATA <bytes>                   the largest CHANNEL_DATA the server sent
  UNIMPLEMENTED <seq> SENT <seq>    the server's SSH_MSG_UNIMPLEMENTED and the sequence number of our message
  AUTH <ok|failed|error:...>        an authentication attempt's outcome
  FLOOD <sent> of <total> ...       how many reply-provoking messages went out before the deadline
"""

import logging
import os
import re
import socket
import sys
import threading
import time

import paramiko
from paramiko.common import (
    cMSG_CHANNEL_DATA,
    cMSG_CHANNEL_OPEN,
    cMSG_CHANNEL_WINDOW_ADJUST,
    cMSG_GLOBAL_REQUEST,
    cMSG_USERAUTH_REQUEST,
    MSG_CHANNEL_DATA,
    MSG_UNIMPLEMENTED,
)
from paramiko.message import Message

PORT, USER, PASSWORD, CASE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

# --- what paramiko tells us -------------------------------------------------------------------------------------


class DisconnectCatcher(logging.Handler):
    """paramiko logs the server's DISCONNECT as 'Disconnect (code N): text' (Transport._parse_disconnect)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.disconnects = []

    def emit(self, record):
        match = re.match(r"Disconnect \(code (\d+)\): (.*)", record.getMessage(), re.S)
        if match:
            self.disconnects.append((int(match.group(1)), match.group(2)))


catcher = DisconnectCatcher()
paramiko_logger = logging.getLogger("paramiko")
paramiko_logger.setLevel(logging.INFO)
paramiko_logger.addHandler(catcher)
paramiko_logger.propagate = False

unimplemented = []


def _record_unimplemented(transport, m):
    unimplemented.append(m.get_int())


# Transport's handler table is a class attribute: record the server's SSH_MSG_UNIMPLEMENTED with its sequence number.
paramiko.Transport._handler_table[MSG_UNIMPLEMENTED] = _record_unimplemented

largest_data = [0]
_original_feed = paramiko.Channel._feed


def _measuring_feed(channel, m):
    # m is positioned after the recipient channel; peek at the data length without consuming it.
    position = m.packet.tell()
    length = m.get_int()
    m.packet.seek(position)
    largest_data[0] = max(largest_data[0], length)
    _original_feed(channel, m)


paramiko.Transport._channel_handler_table[MSG_CHANNEL_DATA] = _measuring_feed


def out(line):
    print(line, flush=True)


# --- helpers ----------------------------------------------------------------------------------------------------


def connect():
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = 10
    transport.start_client(timeout=10)
    return transport


def authenticate(transport):
    transport.auth_password(USER, PASSWORD)
    if not transport.is_authenticated():
        raise SystemExit("authentication failed")


def send(transport, number_byte, *fields):
    m = Message()
    m.add_byte(number_byte)
    for field in fields:
        if isinstance(field, bool):
            m.add_boolean(field)
        elif isinstance(field, int):
            m.add_int(field)
        elif isinstance(field, (bytes, str)):
            m.add_string(field)
        else:
            raise TypeError(field)
    transport._send_message(m)


def wait_closed(transport, started, seconds=5.0):
    deadline = time.monotonic() + seconds
    while transport.is_active() and time.monotonic() < deadline:
        time.sleep(0.01)
    if transport.is_active():
        out("OPEN")
    else:
        out("CLOSED %.3f" % (time.monotonic() - started))
    # The log record is written just before the transport thread ends; give it a moment.
    for _ in range(50):
        if catcher.disconnects:
            break
        time.sleep(0.01)
    for code, text in catcher.disconnects:
        out("DISCONNECT %d %s" % (code, text.replace("\n", " ")))


def alive(transport):
    """A keepalive global request with want-reply: the server answers REQUEST_FAILURE if the connection is fine."""
    if not transport.is_active():
        return False
    result = transport.global_request("keepalive@openssh.com", wait=True)
    return result is None and transport.is_active()


def echo(transport, size, window=None, max_packet=None):
    kwargs = {}
    if window is not None:
        kwargs["window_size"] = window
    if max_packet is not None:
        kwargs["max_packet_size"] = max_packet
    channel = transport.open_session(timeout=10, **kwargs)
    channel.settimeout(20)
    channel.invoke_subsystem("multixfer-echo")
    data = os.urandom(size)
    received = bytearray()

    def reader():
        while True:
            chunk = channel.recv(65536)
            if not chunk:
                break
            received.extend(chunk)

    thread = threading.Thread(target=reader)
    thread.start()
    channel.sendall(data)
    channel.shutdown_write()
    thread.join(30)
    status = channel.recv_exit_status()
    channel.close()
    out("ECHO %s %d status %d" % ("ok" if bytes(received) == data else "mismatch", len(received), status))


def outgoing_sequence(transport):
    return transport.packetizer._Packetizer__sequence_number_out


# --- cases ------------------------------------------------------------------------------------------------------


def case_userauth_before_service(t):
    started = time.monotonic()
    send(t, cMSG_USERAUTH_REQUEST, USER, "ssh-connection", "none")
    wait_closed(t, started)


def case_channel_open_before_auth(t):
    started = time.monotonic()
    send(t, cMSG_CHANNEL_OPEN, "session", 0, 2097152, 32768)
    wait_closed(t, started)


def case_global_request_during_auth(t):
    # auth_none performs the service request and a "none" attempt: we are inside the userauth service now.
    try:
        t.auth_none(USER)
    except paramiko.BadAuthenticationType:
        pass
    out("ALIVE %s" % t.is_active())
    started = time.monotonic()
    send(t, cMSG_GLOBAL_REQUEST, "keepalive@openssh.com", True)
    wait_closed(t, started)


def case_channel_open_during_auth(t):
    try:
        t.auth_none(USER)
    except paramiko.BadAuthenticationType:
        pass
    started = time.monotonic()
    send(t, cMSG_CHANNEL_OPEN, "session", 0, 2097152, 32768)
    wait_closed(t, started)


def case_window_adjust_overflow(t):
    authenticate(t)
    channel = t.open_session(timeout=10, window_size=2097152)
    # The server's window for us starts at the 2 MiB we announced; growing it to exactly 2^32-1 is allowed.
    send(t, cMSG_CHANNEL_WINDOW_ADJUST, channel.remote_chanid, 0xFFFFFFFF - 2097152)
    out("ALIVE %s" % alive(t))
    started = time.monotonic()
    send(t, cMSG_CHANNEL_WINDOW_ADJUST, channel.remote_chanid, 1)
    wait_closed(t, started)


def case_data_beyond_window(t):
    authenticate(t)
    # No subsystem: nothing reads the channel, so the server never reopens its 2 MiB window.
    channel = t.open_session(timeout=10)
    chunk = b"\0" * (128 * 1024)
    for _ in range(16):
        send(t, cMSG_CHANNEL_DATA, channel.remote_chanid, chunk)
    out("ALIVE %s" % alive(t))
    started = time.monotonic()
    send(t, cMSG_CHANNEL_DATA, channel.remote_chanid, chunk)
    wait_closed(t, started)


def case_data_over_max_packet(t):
    authenticate(t)
    channel = t.open_session(timeout=10)
    started = time.monotonic()
    send(t, cMSG_CHANNEL_DATA, channel.remote_chanid, b"\0" * (128 * 1024 + 1))
    wait_closed(t, started)


def case_huge_window_echo(t):
    authenticate(t)
    echo(t, 300 * 1024, window=0xFFFFFFFF, max_packet=0xFFFFFFFF)
    out("MAXDATA %d" % largest_data[0])
    out("ALIVE %s" % alive(t))


def case_data_unknown_channel(t):
    authenticate(t)
    t.open_session(timeout=10)
    started = time.monotonic()
    send(t, cMSG_CHANNEL_DATA, 77, b"hello")
    wait_closed(t, started)


def case_unknown_message(t):
    authenticate(t)
    time.sleep(0.2)
    sequence = outgoing_sequence(t)
    send(t, bytes([200]), b"whatever")
    deadline = time.monotonic() + 3
    while not unimplemented and time.monotonic() < deadline:
        time.sleep(0.01)
    out("UNIMPLEMENTED %s SENT %d" % (unimplemented[0] if unimplemented else "none", sequence))
    echo(t, 64 * 1024)
    out("ALIVE %s" % alive(t))


def case_oversized_packet(t):
    authenticate(t)
    channel = t.open_session(timeout=10)
    started = time.monotonic()
    # 300000 bytes of data: a packet over the 256 KiB limit, encrypted and authenticated like any other.
    send(t, cMSG_CHANNEL_DATA, channel.remote_chanid, b"\0" * 300000)
    wait_closed(t, started)


def _password_attempt(t, password):
    try:
        t.auth_password(USER, password)
        out("AUTH ok" if t.is_authenticated() else "AUTH failed")
    except paramiko.AuthenticationException:
        out("AUTH failed")
    except Exception as e:  # noqa: BLE001 - the outcome is what the test asserts on
        out("AUTH error:%s" % type(e).__name__)


def case_password_1025(t):
    _password_attempt(t, "x" * 1025)
    time.sleep(0.2)
    out("ALIVE %s" % t.is_active())
    _raw_password_attempt(t, PASSWORD)
    out("ALIVE %s" % alive(t))


def _raw_password_attempt(t, password):
    """A second USERAUTH_REQUEST sent directly: paramiko's auth_password would first repeat the service request."""
    send(t, cMSG_USERAUTH_REQUEST, USER, "ssh-connection", "password", False, password)
    deadline = time.monotonic() + 5
    while not t.is_authenticated() and t.is_active() and time.monotonic() < deadline:
        time.sleep(0.01)
    out("AUTH ok" if t.is_authenticated() else "AUTH failed")


def case_password_1024(t):
    _password_attempt(t, "x" * 1024)
    time.sleep(0.2)
    out("ALIVE %s" % t.is_active())
    _raw_password_attempt(t, PASSWORD)
    out("ALIVE %s" % alive(t))


def case_password_retry(t):
    # paramiko's auth_* methods each start with SERVICE_REQUEST "ssh-userauth" (AuthHandler._request_auth), so a
    # second attempt on one transport repeats the service request during authentication (OpenSSH accepts that).
    _password_attempt(t, "wrong-password")
    _password_attempt(t, PASSWORD)
    wait_closed(t, time.monotonic(), seconds=0.3)


def case_reply_flood(t):
    # Unauthenticated: the service request is done, then every message 200 earns an SSH_MSG_UNIMPLEMENTED reply.
    # This client stops reading, so the replies can only pile up on the server's side.
    try:
        t.auth_none(USER)
    except paramiko.BadAuthenticationType:
        pass
    gate = threading.Event()
    original_read_all = t.packetizer.read_all

    def never_read(n, check_rekey=False):
        gate.wait()
        return original_read_all(n, check_rekey)

    t.packetizer.read_all = never_read
    total, deadline = 1000000, time.monotonic() + 10
    sent = [0]

    def flood():
        m = Message()
        m.add_byte(bytes([200]))
        try:
            while sent[0] < total and time.monotonic() < deadline:
                t._send_message(m)
                sent[0] += 1
        except Exception:  # noqa: BLE001 - the server closing on us is one of the good outcomes
            pass

    sender = threading.Thread(target=flood, daemon=True)
    sender.start()
    sender.join(max(0.0, deadline - time.monotonic()) + 1)
    out("FLOOD %d of %d socket-open %s" % (sent[0], total, not t.sock._closed))
    # Hold the connection while the test measures the server, then leave without a clean close: paramiko's close()
    # would wait for the reader we blocked.
    marker_dir = sys.argv[5]
    open(os.path.join(marker_dir, "flooded"), "w").close()
    deadline = time.monotonic() + 30
    while not os.path.exists(os.path.join(marker_dir, "measured")) and time.monotonic() < deadline:
        time.sleep(0.05)
    sys.stdout.flush()
    os._exit(0)


def case_echo(t):
    authenticate(t)
    echo(t, 1024 * 1024)


CASES = {name[len("case_"):].replace("_", "-"): fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if CASE not in CASES:
        raise SystemExit("unknown case %s; known: %s" % (CASE, ", ".join(sorted(CASES))))
    transport = connect()
    try:
        CASES[CASE](transport)
    finally:
        transport.close()


if __name__ == "__main__":
    main()
