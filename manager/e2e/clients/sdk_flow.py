"""A user's session with the published Python SDKs against `deno task dev` in E2B's domain
scheme, run with only the variables dev printed (manager/e2e/dev_domain_test.ts): the SDKs build
https://api.{domain} and https://{port}-{id}.{domain} themselves and trust dev's CA through
SSL_CERT_FILE (their pyqwest transports); the plain clients through REQUESTS_CA_BUNDLE (requests)
and SSL_CERT_FILE (httpx). No client is told to skip verification.

Prints one JSON object. The base sandbox is left running (with its http.server and a signed
download URL) for the test to reach with curl, and to kill.
"""

import json
import time

import httpx
import requests
from e2b import Sandbox
from e2b_code_interpreter import Sandbox as CodeSandbox

out = {}
sbx = Sandbox.create("base", timeout=300)
out["sandboxId"] = sbx.sandbox_id
out["command"] = sbx.commands.run("echo hello from $E2B_SANDBOX_ID").stdout

sbx.files.write("/home/user/signed.txt", "signed download")
download_url = sbx.download_url("/home/user/signed.txt")
out["downloadUrl"] = download_url
out["download"] = requests.get(download_url, timeout=30).text
res = requests.post(
    sbx.upload_url("/home/user/uploaded.txt"),
    files={"file": ("uploaded.txt", b"signed upload")},
    timeout=30,
)
out["uploadStatus"] = res.status_code
out["uploaded"] = sbx.files.read("/home/user/uploaded.txt")

sbx.commands.run(
    "cd /tmp && echo served from the sandbox > index.html && exec python3 -m http.server 8000",
    background=True,
)
host = sbx.get_host(8000)
out["host"] = host
for _ in range(150):
    res = httpx.get(f"https://{host}/index.html", timeout=30)
    if res.status_code == 200:
        break
    time.sleep(0.2)
out["hostStatus"] = res.status_code
out["hostBody"] = res.text

ci = CodeSandbox.create("code-interpreter", timeout=300)
out["code"] = ci.run_code("x = 20\nx * 2 + 2").text
ci.kill()

print(json.dumps(out))
