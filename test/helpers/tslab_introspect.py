"""Ask a running tslab kernel (through jupyter_client, as JupyterLab does) what Tab completion and
Shift-Tab inspection show. Usage: python3 tslab_introspect.py <notebook dir>; reads a JSON list of
requests on stdin: {"setup": code} | {"complete": code} | {"inspect": code}; prints JSON replies."""
import json, sys
from jupyter_client.manager import start_new_kernel

cwd = sys.argv[1]
requests = json.load(sys.stdin)
km, kc = start_new_kernel(kernel_name="tslab", cwd=cwd, startup_timeout=60)
out = []
try:
    for r in requests:
        if "setup" in r:
            reply = kc.execute_interactive(r["setup"], timeout=60, output_hook=lambda m: None)
            out.append({"status": reply["content"]["status"]})
        elif "complete" in r:
            code = r["complete"]
            reply = kc.complete(code, len(code), reply=True, timeout=60)
            out.append({"matches": reply["content"].get("matches", [])})
        elif "inspect" in r:
            code = r["inspect"]
            reply = kc.inspect(code, len(code), reply=True, timeout=60)
            data = reply["content"].get("data", {})
            out.append({"found": reply["content"].get("found", False), "text": data.get("text/plain", "")})
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps(out))
