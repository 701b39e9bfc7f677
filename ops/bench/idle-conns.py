#!/usr/bin/env python3
"""Opens N keep-alive HTTP/1.1 connections to 127.0.0.1:PORT, sends one GET PATH on each and
reads the answer, prints "ready OPEN" and then holds them, idle, until stdin closes.
Used by ops/bench/run memory (the server's RSS with 10,000 idle connections)."""
import asyncio
import sys


async def one(port, path, conns):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    if length:
        await r.readexactly(length)
    conns.append((r, w))


async def main():
    port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    conns, failed = [], 0
    for start in range(0, n, 250):  # in steps, so the listen backlog never overflows
        results = await asyncio.gather(*(one(port, path, conns) for _ in range(start, min(n, start + 250))),
                                       return_exceptions=True)
        failed += sum(1 for x in results if isinstance(x, Exception))
    print(f"ready {len(conns)} failed {failed}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    open_now = sum(1 for r, _ in conns if not r.at_eof())
    print(f"still open {open_now}", flush=True)


asyncio.run(main())
