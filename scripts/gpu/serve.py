"""Serves the GPU bundle's site with COOP/COEP (cross-origin isolation: WASM threads, SharedArrayBuffer)
and writes each POST /result to OUT/page.json; exits once a result has stage 'done' (or after --timeout s).

    python3 serve.py SITE_DIR PORT OUT_DIR
"""
import http.server
import json
import os
import sys
import threading

root, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                      ".js": "text/javascript", ".wasm": "application/wasm"}

    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        tmp = os.path.join(out, "page.json.tmp")
        open(tmp, "wb").write(body)
        os.replace(tmp, os.path.join(out, "page.json"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        doc = json.loads(body)
        print(f"[page] stage={doc.get('stage')} sections={[k for k in ('adapter', 'checks', 'encoders', 'train', 'decode') if k in doc]}", flush=True)
        if doc.get("stage") == "done":
            threading.Thread(target=self.server.shutdown).start()


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
