#!/usr/bin/python3
"""ftplib over IPv6: it uses EPSV for passive and EPRT for active there by itself (RFC 2428).
usage: ftplib_ipv6.py PORT USER PASSWORD"""
import ftplib, io, os, sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ftp = ftplib.FTP()
ftp.connect("::1", port, timeout=20)
ftp.login(user, password)
payload = os.urandom(200_000)
ftp.storbinary("STOR v6.bin", io.BytesIO(payload))
got = io.BytesIO()
ftp.retrbinary("RETR v6.bin", got.write)
assert got.getvalue() == payload
ftp.set_pasv(False)
got = io.BytesIO()
ftp.retrbinary("RETR v6.bin", got.write)
assert got.getvalue() == payload
assert ftp.nlst() == ["v6.bin"], ftp.nlst()
ftp.set_pasv(True)
try:
    ftp.sendcmd("PASV")
    raise AssertionError("PASV over IPv6 must be refused")
except ftplib.error_temp as e:
    assert str(e).startswith("425"), e
try:
    ftp.sendcmd("EPRT |1|127.0.0.1|40000|")
    raise AssertionError("EPRT to another address family must be refused")
except ftplib.error_perm as e:
    assert str(e).startswith("500"), e
ftp.quit()
print("IPV6 OK")
