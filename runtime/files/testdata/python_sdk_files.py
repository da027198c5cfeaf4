"""/files through the published Python SDK (e2b from PyPI); run by python_sdk_test.ts."""
import gzip
import json
import os
import urllib.error
import urllib.request

from e2b import Sandbox
from e2b.exceptions import NotFoundException

sbx = Sandbox.create()
tag = os.getpid()

# Text, bytes and iterator (octet-stream) uploads, read back in each format.
info = sbx.files.write("py_write.txt", "Hello from Python")
assert (info.name, info.path) == ("py_write.txt", "/home/user/py_write.txt"), info
assert sbx.files.read("py_write.txt") == "Hello from Python"
sbx.files.write(f"/tmp/py_{tag}/bytes.bin", b"\x00\x01\xfe\xff")
assert sbx.files.read(f"/tmp/py_{tag}/bytes.bin", format="bytes") == bytearray(b"\x00\x01\xfe\xff")
entry = sbx.files.get_info(f"/tmp/py_{tag}/bytes.bin")
assert (entry.owner, entry.group, entry.mode) == ("user", "user", 0o644), entry
parent = sbx.files.get_info(f"/tmp/py_{tag}")
assert (parent.owner, parent.mode) == ("user", 0o755), parent

# 200 MB generated in chunks, streamed up and back down.
SIZE, CHUNK = 200 * 1024 * 1024, 1024 * 1024
block = bytes((i * 7) % 256 for i in range(CHUNK))


def chunks():
    for _ in range(SIZE // CHUNK):
        yield block


sbx.files.write(f"/tmp/py_{tag}/big.bin", chunks())
total = 0
for piece in sbx.files.read(f"/tmp/py_{tag}/big.bin", format="stream"):
    start = total % CHUNK
    assert piece[:16] == (block + block)[start : start + min(16, len(piece))][: len(piece[:16])]
    total += len(piece)
assert total == SIZE, total

# Multi-file write keeps order.
written = sbx.files.write_files([
    {"path": f"/tmp/py_{tag}/a.txt", "data": "a"},
    {"path": "py_rel/b.txt", "data": "b"},
])
assert [w.path for w in written] == [f"/tmp/py_{tag}/a.txt", "/home/user/py_rel/b.txt"], written

# Metadata and gzip.
meta = sbx.files.write("py_meta.txt", "m", metadata={"owner": "team-py"})
assert meta.metadata == {"owner": "team-py"}, meta
assert sbx.files.get_info("py_meta.txt").metadata == {"owner": "team-py"}
text = "zip me " * 500
sbx.files.write("py_gz.txt", text, gzip=True)
assert sbx.files.read("py_gz.txt", gzip=True) == text
assert sbx.files.read("py_gz.txt") == text

# Errors.
try:
    sbx.files.read("py_missing.txt")
    raise AssertionError("expected NotFoundException")
except NotFoundException:
    pass

# Signed URLs, as a browser would use them.
url = sbx.download_url("py_write.txt")
assert "signature=v1_" in url, url
with urllib.request.urlopen(url) as res:
    assert res.read() == b"Hello from Python"
try:
    urllib.request.urlopen(sbx.download_url("py_write.txt", use_signature_expiration=-60))
    raise AssertionError("expected 401")
except urllib.error.HTTPError as e:
    assert e.code == 401 and json.loads(e.read()) == {"code": 401, "message": "signature is already expired"}
up = sbx.upload_url("py_signed.txt")
req = urllib.request.Request(
    up,
    data=gzip.compress(b"signed upload"),
    method="POST",
    headers={"Content-Type": "application/octet-stream", "Content-Encoding": "gzip"},
)
with urllib.request.urlopen(req) as res:
    assert json.loads(res.read()) == [{"name": "py_signed.txt", "path": "/home/user/py_signed.txt", "type": "file"}]
assert sbx.files.read("py_signed.txt") == "signed upload"

sbx.files.remove(f"/tmp/py_{tag}")
print("OK")
