"""Python's ftplib with RFC 7151 HOST: names a virtual host, optionally protects the session (AUTH TLS without SNI,
as Python sends none for an IP address), logs in and lists the root. Prints one JSON object."""
import ftplib, hashlib, json, ssl, sys

port, host_name, user, password, use_tls = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "tls"
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
client = ftplib.FTP_TLS(context=context) if use_tls else ftplib.FTP()
result = {"greeting": client.connect("127.0.0.1", port, timeout=20)}
result["features"] = client.sendcmd("FEAT")
if host_name:
    try:
        result["host"] = client.sendcmd("HOST " + host_name)
    except ftplib.Error as e:
        result["host"] = str(e)
if use_tls:
    client.auth()
    result["fingerprint"] = hashlib.sha256(client.sock.getpeercert(binary_form=True)).hexdigest().upper()
try:
    client.login(user, password)
    if use_tls:
        client.prot_p()
    result["files"] = sorted(client.nlst())
    try:
        result["host_after_login"] = client.sendcmd("HOST " + (host_name or "x.test"))
    except ftplib.Error as e:
        result["host_after_login"] = str(e)
except ftplib.Error as e:
    result["login"] = str(e)
client.close()
print(json.dumps(result))
