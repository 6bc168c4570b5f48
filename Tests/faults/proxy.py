"""A TCP proxy between one replica and PostgreSQL that can be cut off: the fault "the database is
unreachable from this replica only" without network namespaces.

While cut off (`blackhole`), nothing passes in either direction: bytes already read are held and
the sockets are not read any more (TCP's own flow control then stalls the peers, as on a link that
drops every packet), and new connections are accepted but not connected onwards. `heal("stall")`
lets everything continue (a partition that ends before TCP gives up: late delivery, the nastiest
case for fencing); `heal("reset")` first aborts, with a RST, every connection that was open during
the cut (a partition that outlived the connections) and then accepts new ones normally.

The proxy runs an asyncio loop in a daemon thread; its methods are called from other threads.
"""
import asyncio
import socket
import struct
import threading


class BlackholeProxy:
    def __init__(self, upstream_port: int, name: str):
        self.upstream_port = upstream_port
        self.name = name
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"proxy-{name}", daemon=True)
        self._conns = set()  # (client writer, upstream writer or None)
        self._open = None  # asyncio.Event, set while traffic flows
        self._server = None
        self.port = None
        self.connections = 0
        self.reset = 0

    # -- control (any thread) ----------------------------------------------------------------

    def start(self):
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError(f"proxy {self.name} did not start")
        return self

    def blackhole(self):
        self._call(self._open.clear)

    def heal(self, mode: str = "stall"):
        assert mode in ("stall", "reset"), mode

        def heal():
            if mode == "reset":
                for pair in list(self._conns):
                    for w in pair:
                        if w is not None:
                            _abort_with_rst(w)
                    self.reset += 1
                self._conns.clear()
            self._open.set()
        self._call(heal)

    def close(self):
        if not self._thread.is_alive():
            return

        def stop():
            self.loop.set_exception_handler(lambda loop, context: None)  # cancelled pumps are expected
            if self._server is not None:
                self._server.close()
            for pair in list(self._conns):
                for w in pair:
                    if w is not None:
                        _abort_with_rst(w)
            for task in asyncio.all_tasks(self.loop):
                task.cancel()
            self.loop.call_later(0.2, self.loop.stop)
        self.loop.call_soon_threadsafe(stop)
        self._thread.join(10)

    def _call(self, fn):
        done = threading.Event()

        def run():
            try:
                fn()
            finally:
                done.set()
        self.loop.call_soon_threadsafe(run)
        if not done.wait(10):
            raise TimeoutError(f"proxy {self.name} did not answer")

    # -- the loop ----------------------------------------------------------------------------

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self._open = asyncio.Event()
        self._open.set()
        self._server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    async def _serve(self, client_r, client_w):
        self.connections += 1
        pair = [client_w, None]
        entry = None
        try:
            await self._open.wait()  # a new connection during a cut waits (SYN "lost")
            up_r, up_w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.upstream_port), 10)
            pair[1] = up_w
            entry = (client_w, up_w)
            self._conns.add(entry)
            await asyncio.gather(self._pump(client_r, up_w), self._pump(up_r, client_w))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            if entry is not None:
                self._conns.discard(entry)
            for w in pair:
                if w is not None:
                    w.close()

    async def _pump(self, reader, writer):
        try:
            while True:
                await self._open.wait()
                data = await reader.read(65536)
                if not data:
                    break
                await self._open.wait()  # read just before the cut: held until the heal
                writer.write(data)
                await writer.drain()
        finally:
            # One side ended: end the other (a half-open PostgreSQL connection is useless).
            writer.close()


def _abort_with_rst(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()
