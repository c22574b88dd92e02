"""Replays captured /metrics payloads over HTTP/1.1 keep-alive, one log line per request.

  python3 replay-server.py PORT PATH=FILE [PATH=FILE ...]

Each request for a known path answers the file's bytes as Prometheus text and prints
"GET <path>" (unbuffered) so a benchmark can count scrapes; other paths answer 404. The bytes are
read once: the replay itself costs next to nothing, and it is not what is measured.
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port = int(sys.argv[1])
payloads = {}
for spec in sys.argv[2:]:
    path, file = spec.split("=", 1)
    with open(file, "rb") as f:
        payloads[path] = f.read()


class Replay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = payloads.get(self.path.split("?", 1)[0])
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print("GET " + self.path, flush=True)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), Replay).serve_forever()
