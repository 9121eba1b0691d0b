"""A real HTTP server on loopback that records what it receives (a webhook receiver for tests)."""
import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every POST; answers with the statuses in ``statuses`` in turn, then 200.

    With ``check``, a function of ``(headers, body)`` returning an error text or ``None``, a
    request it finds wrong is answered 400 with that text (and counted in ``refused``), as a
    receiver that validates what it gets would.
    """

    def __init__(self, statuses=(), check=None):
        self.statuses = list(statuses)
        self.check = check
        self.refused = []
        self.requests = []  # (headers dict, body bytes)
        self.url = None
        self._lock = threading.Lock()

    def _next_status(self):
        with self._lock:
            return self.statuses.pop(0) if self.statuses else 200


@contextlib.contextmanager
def webhook_receiver(statuses=(), *, host="127.0.0.1", port=0, ssl_context=None, check=None):
    """Serve a :class:`Receiver` on ``host`` (loopback) and a free or given port; yield it with its ``url`` set.

    With ``ssl_context`` it speaks HTTPS; its url still names ``host``.
    """
    receiver = Receiver(statuses, check)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {key: value for key, value in self.headers.items()}
            receiver.requests.append((headers, body))
            problem = receiver.check(headers, body) if receiver.check else None
            if problem:
                receiver.refused.append(problem)
            status = 400 if problem else receiver._next_status()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver says no")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    receiver.url = f"{'https' if ssl_context else 'http'}://{host}:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
