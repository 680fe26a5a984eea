"""A loopback TCP relay that delays what the server sends, for tests of
timing: 127.0.0.1:relay.port -> 127.0.0.1:upstream, run on an asyncio loop
in a thread of the test process (stopped by the harness cleanup).

Client bytes pass at once.  Each chunk the server sends is delivered
`server_delay(conn)` seconds after it arrived, in order (a later chunk never
overtakes an earlier one).  `conn` is the connection's dict in relay.conns:
  opened_at    when the relay accepted it (time.monotonic())
  finished_at  when the client sent its first application_data record
               (type 23; in TLS 1.3 its encrypted Finished, the start of
               its second flight), or None
  held, held_bytes  chunks (bytes) the server sent after that
  client_done_at  when the client closed (or reset) its side, or None
"""

import asyncio
import threading
import time

import harness as h


def late_after_finished(delay):
    """Server bytes after the client's Finished come `delay` s late (TLS 1.3
    NewSessionTickets of a busy OpenSSL server); the rest at once."""
    return lambda conn: delay if conn["finished_at"] is not None else 0.0


class Relay:
    def __init__(self, upstream, server_delay):
        self.upstream, self.server_delay = upstream, server_delay
        self.port = h.free_port()
        self.conns = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(10) or self.error:
            raise h.SetupError("relay to port %d did not start: %s" % (upstream, self.error))
        h.add_cleanup(self.stop)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        try:
            self.server = self.loop.run_until_complete(
                asyncio.start_server(self._conn, "127.0.0.1", self.port))
        except OSError as e:
            self.error = e
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()

    def close_listener(self):
        """Stop accepting: new connections are refused (the port closes)."""
        done = threading.Event()

        def close():
            self.server.close()
            done.set()
        self.loop.call_soon_threadsafe(close)
        done.wait(5)

    def stop(self):
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def held(self, since=0):
        """Server chunks held after a client Finished, in connections
        self.conns[since:]."""
        return sum(c["held"] for c in self.conns[since:])

    async def _conn(self, cr, cw):
        st = {"opened_at": time.monotonic(), "finished_at": None, "held": 0, "held_bytes": 0,
              "client_done_at": None}
        self.conns.append(st)
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            cw.close()
            return
        queue = asyncio.Queue()

        async def client_to_server():
            buf = b""
            try:
                while True:
                    d = await cr.read(65536)
                    if not d:
                        break
                    if st["finished_at"] is None:
                        buf += d
                        while len(buf) >= 5:
                            if buf[0] == 23:
                                st["finished_at"] = time.monotonic()
                                break
                            n = 5 + int.from_bytes(buf[3:5], "big")
                            if len(buf) < n:
                                break
                            buf = buf[n:]
                    sw.write(d)
                    await sw.drain()
            except (ConnectionError, OSError):
                pass
            st["client_done_at"] = time.monotonic()
            sw.close()

        async def server_to_client():
            try:
                while True:
                    d = await sr.read(65536)
                    if not d:
                        break
                    if st["finished_at"] is not None:
                        st["held"] += 1
                        st["held_bytes"] += len(d)
                    queue.put_nowait((time.monotonic() + self.server_delay(st), d))
            except (ConnectionError, OSError):
                pass
            queue.put_nowait((0.0, None))

        async def deliver():
            try:
                while True:
                    due, d = await queue.get()
                    if d is None:
                        break
                    wait = due - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    cw.write(d)
                    await cw.drain()
            except (ConnectionError, OSError):
                pass
            cw.close()

        await asyncio.gather(client_to_server(), server_to_client(), deliver())
