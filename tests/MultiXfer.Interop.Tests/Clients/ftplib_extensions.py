#!/usr/bin/python3
"""Python's ftplib against MultiXfer's FTP extensions: HASH/OPTS HASH/RANG and the X* checksums (checked with
hashlib and zlib), MODE Z downloads, listings and uploads through zlib (checked against the files on disk), SITE
MKDIR/RMDIR/UTIME and AVBL. With "tls", everything runs over AUTH TLS with PROT P (MODE Z: compress, then encrypt).

usage: ftplib_extensions.py PORT USER PASSWORD HOME_ON_DISK plain|tls
Prints "EXTENSIONS OK" and the number of checks."""
import ftplib
import hashlib
import io
import os
import ssl
import sys
import zlib

port, user, password, home, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    checks += 1


if mode == "tls":
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    ftp = ftplib.FTP_TLS(context=context)
    ftp.connect("127.0.0.1", port, timeout=30)
    ftp.auth()
    ftp.login(user, password)
    ftp.prot_p()
else:
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", port, timeout=30)
    ftp.login(user, password)

os.makedirs(home, exist_ok=True)
binary = os.urandom(1_234_567)
with open(os.path.join(home, "bin.dat"), "wb") as f:
    f.write(binary)
text = "".join(f"{i} lorem ipsum dolor sit amet, consectetur adipiscing elit\n" for i in range(60_000)).encode()
with open(os.path.join(home, "text.txt"), "wb") as f:
    f.write(text)

ftp.voidcmd("TYPE I")
features = ftp.sendcmd("FEAT")
for feature in ("HASH SHA-256*", "RANG STREAM", "MODE Z", "XCRC", "XSHA256", "SITE MKDIR", "AVBL"):
    check(feature in features, f"FEAT lists {feature}")

# HASH (draft-bryan-ftpext-hash-02) with each algorithm, and with a RANG range.
for name, digest in (("SHA-256", hashlib.sha256), ("SHA-512", hashlib.sha512), ("SHA-1", hashlib.sha1), ("MD5", hashlib.md5)):
    check(ftp.sendcmd(f"OPTS HASH {name}") == f"200 {name}", f"OPTS HASH {name}")
    reply = ftp.sendcmd("HASH bin.dat")
    check(reply == f"213 {name} 0-{len(binary)} {digest(binary).hexdigest()} bin.dat", f"HASH {name}: {reply}")
ftp.sendcmd("OPTS HASH CRC32")
check(ftp.sendcmd("HASH bin.dat") == f"213 CRC32 0-{len(binary)} {zlib.crc32(binary):08x} bin.dat", "HASH CRC32")
ftp.sendcmd("OPTS HASH SHA-256")
ftp.sendcmd("RANG 1000 1999")
check(ftp.sendcmd("HASH bin.dat") == f"213 SHA-256 1000-2000 {hashlib.sha256(binary[1000:2000]).hexdigest()} bin.dat", "HASH with RANG")

# The X* commands as ProFTPD's mod_digest answers them.
for verb, digest in (("XMD5", hashlib.md5), ("XSHA1", hashlib.sha1), ("XSHA256", hashlib.sha256), ("XSHA512", hashlib.sha512)):
    check(ftp.sendcmd(f"{verb} bin.dat") == "250 " + digest(binary).hexdigest().upper(), verb)
    check(ftp.sendcmd(f"{verb} bin.dat 7 70007") == "250 " + digest(binary[7:70007]).hexdigest().upper(), f"{verb} range")
check(ftp.sendcmd("XCRC bin.dat") == f"250 {zlib.crc32(binary):08X}", "XCRC")
try:
    ftp.sendcmd(f"XCRC bin.dat 0 {len(binary) + 1}")
    check(False, "XCRC past the end is refused")
except ftplib.error_perm as e:
    check(str(e).startswith("501"), f"XCRC past the end: {e}")

# MODE Z (draft-preston-ftpext-deflate): a zlib stream each way.
check(ftp.sendcmd("MODE Z").startswith("200"), "MODE Z")
ftp.sendcmd("OPTS MODE Z LEVEL 9")
inflater = zlib.decompressobj()
received = bytearray()
wire = [0]


def take(chunk):
    wire[0] += len(chunk)
    received.extend(inflater.decompress(chunk))


ftp.retrbinary("RETR text.txt", take)
received.extend(inflater.flush())
check(inflater.eof and bytes(received) == text, "MODE Z RETR inflates to the file")
check(wire[0] < len(text) // 5, f"MODE Z RETR compressed {len(text)} bytes to {wire[0]}")

listing = zlib.decompressobj()
lines = bytearray()
ftp.retrbinary("LIST", lambda chunk: lines.extend(listing.decompress(chunk)))
check(b"text.txt" in lines, "MODE Z LIST")

compressor = zlib.compressobj(6)
payload = compressor.compress(text) + compressor.flush()
ftp.storbinary("STOR up.txt", io.BytesIO(payload))
with open(os.path.join(home, "up.txt"), "rb") as f:
    check(f.read() == text, "MODE Z STOR stores the inflated file")
check(ftp.sendcmd("SIZE up.txt") == f"213 {len(text)}", "SIZE in MODE Z is the stored size")
ftp.sendcmd("MODE S")

# SITE commands (ProFTPD mod_site_misc) and AVBL (FileZilla Server).
ftp.sendcmd("SITE MKDIR deep/er/est")
check(os.path.isdir(os.path.join(home, "deep", "er", "est")), "SITE MKDIR with parents")
ftp.sendcmd("SITE UTIME 202101020304 up.txt")
check(ftp.sendcmd("MDTM up.txt") == "213 20210102030400", "SITE UTIME")
ftp.sendcmd("SITE RMDIR deep")
check(not os.path.exists(os.path.join(home, "deep")), "SITE RMDIR removes the tree")
available = ftp.sendcmd("AVBL")
check(available.startswith("213 ") and int(available[4:]) > 0, f"AVBL: {available}")

ftp.quit()
print(f"EXTENSIONS OK {checks}")
