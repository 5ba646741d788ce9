#!/usr/bin/env python3
"""A TCP forwarder for tests: makes a server reachable through a port of its own, so
that a test can make the server unreachable for one program (stop the forwarder: its
connections drop) without stopping the server the other tests use.

    tcpproxy.py LISTEN_HOST:LISTEN_PORT TARGET_HOST:TARGET_PORT

Port 0 lets the system choose; the port listened on is the first line on stdout.
Runs until SIGTERM or SIGINT; its connections end with it."""
import asyncio
import signal
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(listen, target):
    lhost, lport = listen.rsplit(":", 1)
    thost, tport = target.rsplit(":", 1)

    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection(thost, int(tport))
        except OSError:
            cwriter.close()
            return
        try:
            await asyncio.gather(pipe(creader, swriter), pipe(sreader, cwriter))
        except asyncio.CancelledError:  # the forwarder stops: its connections end
            pass

    server = await asyncio.start_server(handle, lhost, int(lport), reuse_address=True)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
