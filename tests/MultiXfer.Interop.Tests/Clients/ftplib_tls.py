#!/usr/bin/python3
"""Python's ftplib.FTP_TLS against MultiXfer: AUTH TLS, PROT P list/retr/stor/MLSD, TLS session resumption on
data connections (for a client that offers it), and CCC when the server allows it.

usage: ftplib_tls.py PORT USER PASSWORD HOME_ON_DISK try-ccc|no-ccc tls1.2|tls1.3
Prints "RESUMED a/b" (data connections that resumed the control session) and "TLS OK"."""
import ftplib
import io
import os
import ssl
import sys

port, user, password, home, ccc, version = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
context.maximum_version = ssl.TLSVersion.TLSv1_2 if version == "tls1.2" else ssl.TLSVersion.TLSv1_3
resumed = []


class ResumingFTP_TLS(ftplib.FTP_TLS):
    """Offers the control connection's TLS session on each data connection, as FileZilla and lftp do
    (plain ftplib does not, which is why servers that insist on reuse break it)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
            resumed.append(conn.session_reused)
        return conn, size


ftp = ResumingFTP_TLS(context=context)
ftp.connect("127.0.0.1", port, timeout=20)
assert "AUTH TLS" in ftp.sendcmd("FEAT")
ftp.auth()
expected = "TLSv1.2" if version == "tls1.2" else "TLSv1.3"
assert isinstance(ftp.sock, ssl.SSLSocket) and ftp.sock.version() == expected, ftp.sock.version()
ftp.login(user, password)
ftp.prot_p()

payload = os.urandom(500_000)
ftp.storbinary("STOR tls.bin", io.BytesIO(payload))
with open(os.path.join(home, "tls.bin"), "rb") as f:
    assert f.read() == payload
got = io.BytesIO()
ftp.retrbinary("RETR tls.bin", got.write)
assert got.getvalue() == payload
lines = []
ftp.retrlines("LIST", lines.append)
assert any(line.endswith(" tls.bin") for line in lines), lines
facts = dict(ftp.mlsd())
assert facts["tls.bin"]["size"] == "500000", facts
print(f"RESUMED {sum(resumed)}/{len(resumed)}")

if ccc == "try-ccc":
    assert ftp.ccc().startswith("200")
    ftp.file = ftp.sock.makefile("r", encoding=ftp.encoding)  # ftplib keeps reading the old TLS file otherwise
    assert ftp.sock.version() is None  # unwrap() detaches TLS from the same socket object
    assert ftp.sendcmd("NOOP").startswith("200")
    got = io.BytesIO()
    ftp.retrbinary("RETR tls.bin", got.write)  # still PROT P: data stays protected
    assert got.getvalue() == payload
else:
    try:
        ftp.ccc()
        raise AssertionError("CCC must be refused unless allowed")
    except ftplib.error_perm as e:
        assert str(e).startswith("534"), e

ftp.quit()
print("TLS OK")
