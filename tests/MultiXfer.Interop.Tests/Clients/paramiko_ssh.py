#!/usr/bin/python3
"""paramiko (2.12) against a MultiXfer SSH listener, one scenario per invocation.

Usage: paramiko_ssh.py SCENARIO PORT HOSTKEY_PUB_FILE [options]

Every scenario verifies the server's host key against HOSTKEY_PUB_FILE (a file of OpenSSH public key lines; the
key the server presents must be one of them) and prints result lines "KEY value" on stdout that the C# test checks.
Exit status 0 means the scenario ran to its end, whatever it observed; assertions live in the tests.
"""
import argparse
import base64
import os
import socket
import sys
import threading
import time

import paramiko

ECHO = "multixfer-echo"


def connect(args):
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=20)
    transport = paramiko.Transport(sock)
    transport.start_client(timeout=20)
    key = transport.get_remote_server_key()
    known = set()
    with open(args.hostkeys) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                known.add((parts[0], parts[1]))
    presented = (key.get_name(), key.get_base64())
    if not any(blob == presented[1] for _, blob in known):
        print("HOSTKEY unknown", presented[0])
        sys.exit(3)
    print("HOSTKEY verified", presented[0])
    print("KEX", transport.remote_cipher, transport.remote_mac)
    return transport


def load_key(path):
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(path)
        except (paramiko.SSHException, ValueError):
            continue
    raise SystemExit("cannot load key " + path)


def authenticate(transport, args):
    if args.method == "password":
        transport.auth_password(args.user, args.secret)
    elif args.method == "key":
        if args.pubkey_algorithm:
            # Sign with exactly this algorithm, whatever server-sig-algs says (as clients before RFC 8308 did).
            paramiko.auth_handler.AuthHandler._finalize_pubkey_algorithm = lambda self, key_type: args.pubkey_algorithm
        transport.auth_publickey(args.user, load_key(args.secret))
    elif args.method == "interactive":
        prompts_seen = []

        def handler(title, instructions, prompts):
            prompts_seen.extend(p for p, _ in prompts)
            return [args.secret for _ in prompts]

        transport.auth_interactive(args.user, handler)
        print("PROMPTS", "|".join(prompts_seen))
    else:
        raise SystemExit("unknown method " + args.method)
    print("AUTHENTICATED", transport.is_authenticated())
    banner = transport.get_banner()
    print("BANNER", base64.b64encode(banner or b"").decode())


def echo(channel, data):
    """Sends data through the echo subsystem on channel (already invoked) and returns what came back."""
    received = bytearray()

    def send():
        channel.sendall(data)
        channel.shutdown_write()

    sender = threading.Thread(target=send)
    sender.start()
    while True:
        chunk = channel.recv(65536)
        if not chunk:
            break
        received += chunk
    sender.join()
    return bytes(received), channel.recv_exit_status()


def echo_check(transport, size, label="ECHO"):
    channel = transport.open_session()
    channel.invoke_subsystem(ECHO)
    data = os.urandom(size)
    back, status = echo(channel, data)
    print(label, "equal" if back == data else "DIFFERENT", len(back), "status", status)
    channel.close()


def scenario_login(args):
    transport = connect(args)
    authenticate(transport, args)
    echo_check(transport, args.size)
    transport.close()


def scenario_fallback(args):
    """A key the server does not accept, then the password, on one connection (what SSHClient.connect does).

    Every paramiko auth_* call starts with a fresh SSH_MSG_SERVICE_REQUEST "ssh-userauth".
    """
    transport = connect(args)
    try:
        transport.auth_publickey(args.user, load_key(args.key))
        print("FIRST accepted")
    except paramiko.AuthenticationException as e:
        print("FIRST failed", type(e).__name__)
    print("ACTIVE_AFTER_FIRST", transport.is_active())
    authenticate(transport, args)
    echo_check(transport, 10000)
    transport.close()


def scenario_max_auth(args):
    """Wrong passwords on one connection until the server hangs up."""
    transport = connect(args)
    for attempt in range(1, 11):
        try:
            transport.auth_password(args.user, "wrong-%d" % attempt)
            print("ATTEMPT", attempt, "accepted")
        except paramiko.AuthenticationException as e:
            print("ATTEMPT", attempt, "failed", type(e).__name__)
        except paramiko.SSHException as e:
            print("ATTEMPT", attempt, "error", type(e).__name__, str(e).replace("\n", " "))
        # give the reader thread a moment to see a DISCONNECT that follows a failure
        time.sleep(0.2)
        if not transport.is_active():
            print("DISCONNECTED_AFTER", attempt)
            return
    print("STILL_CONNECTED")


def wait_inactive(transport, limit):
    start = time.monotonic()
    while transport.is_active() and time.monotonic() - start < limit:
        time.sleep(0.05)
    return time.monotonic() - start


def scenario_grace(args):
    """Key exchange done, never authenticates: how long until the server disconnects."""
    transport = connect(args)
    elapsed = wait_inactive(transport, 30)
    print("CLOSED" if not transport.is_active() else "OPEN", "%.2f" % elapsed)


def scenario_idle(args):
    """Authenticates, opens the echo subsystem, then sends nothing at all."""
    transport = connect(args)
    authenticate(transport, args)
    channel = transport.open_session()
    channel.invoke_subsystem(ECHO)
    elapsed = wait_inactive(transport, 30)
    print("CLOSED" if not transport.is_active() else "OPEN", "%.2f" % elapsed)


def scenario_channels(args):
    """Opens session channels until one is refused; the open ones keep working."""
    transport = connect(args)
    authenticate(transport, args)
    channels = []
    for n in range(1, args.count + 1):
        try:
            channels.append(transport.open_session())
            print("CHANNEL", n, "open")
        except paramiko.ChannelException as e:
            print("CHANNEL", n, "refused", e.code, e.text)
    for i, channel in enumerate(channels):
        channel.invoke_subsystem(ECHO)
        data = os.urandom(10000)
        back, status = echo(channel, data)
        print("CHANNEL_ECHO", i + 1, "equal" if back == data else "DIFFERENT", "status", status)
    transport.close()


def open_after_close(transport):
    """open_session, once more after a moment if refused for lack of resources: when the server's CLOSE arrives
    first, paramiko's transport thread answers it with our CLOSE after marking the channel closed, so the next OPEN
    from this thread can overtake that CLOSE (RFC 4254 §5.3: the channel is not closed until both were sent)."""
    try:
        return transport.open_session()
    except paramiko.ChannelException as e:
        if e.code != 4:
            raise
        time.sleep(0.2)
        return transport.open_session()


def scenario_sequential(args):
    """Channels one after another on one connection, each echoing and closed before the next opens."""
    transport = connect(args)
    authenticate(transport, args)
    for n in range(1, args.count + 1):
        try:
            channel = open_after_close(transport)
        except paramiko.ChannelException as e:
            print("SEQUENTIAL", n, "refused", e.code, e.text)
            continue
        channel.invoke_subsystem(ECHO)
        data = os.urandom(10000)
        back, status = echo(channel, data)
        channel.close()
        print("SEQUENTIAL", n, "equal" if back == data else "DIFFERENT", "status", status)
    transport.close()


def scenario_forward(args):
    """direct-tcpip must be refused; the connection stays usable."""
    transport = connect(args)
    authenticate(transport, args)
    try:
        transport.open_channel("direct-tcpip", ("127.0.0.1", args.port), ("127.0.0.1", 40000), timeout=10)
        print("FORWARD opened")
    except paramiko.ChannelException as e:
        print("FORWARD refused", e.code, e.text)
    try:
        reply = transport.global_request("tcpip-forward", ("127.0.0.1", 0), wait=True)
        print("REMOTE_FORWARD", "granted" if reply is not None else "refused")
    except paramiko.SSHException as e:
        print("REMOTE_FORWARD error", e)
    echo_check(transport, 10000, "ECHO_AFTER")
    transport.close()


def scenario_pty(args):
    """A pty request is declined; the connection goes on and a new channel runs the echo subsystem.

    paramiko itself closes a channel whose request failed, so the echo runs on a second channel.
    """
    transport = connect(args)
    authenticate(transport, args)
    channel = transport.open_session()
    try:
        channel.get_pty()
        print("PTY granted")
    except paramiko.SSHException as e:
        print("PTY refused", str(e).replace("\n", " "))
    echo_check(transport, 20000, "ECHO_AFTER")
    transport.close()


def scenario_exec(args):
    """exec of an arbitrary command: message on stderr, exit status."""
    transport = connect(args)
    authenticate(transport, args)
    channel = transport.open_session()
    channel.exec_command(args.command)
    stdout = channel.makefile("rb").read()
    stderr = channel.makefile_stderr("rb").read()
    print("EXIT", channel.recv_exit_status())
    print("STDOUT", base64.b64encode(stdout).decode())
    print("STDERR", base64.b64encode(stderr).decode())
    transport.close()


SCENARIOS = {
    "login": scenario_login,
    "maxauth": scenario_max_auth,
    "fallback": scenario_fallback,
    "grace": scenario_grace,
    "idle": scenario_idle,
    "channels": scenario_channels,
    "sequential": scenario_sequential,
    "forward": scenario_forward,
    "pty": scenario_pty,
    "exec": scenario_exec,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("port", type=int)
    parser.add_argument("hostkeys")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--method", default="password", choices=["password", "key", "interactive"])
    parser.add_argument("--secret", default="", help="password, or private key file for --method key")
    parser.add_argument("--key", default="", help="a private key file tried first (fallback)")
    parser.add_argument("--pubkey-algorithm", default="", help="force this signature algorithm for --method key")
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--command", default="ls")
    args = parser.parse_args()
    SCENARIOS[args.scenario](args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
