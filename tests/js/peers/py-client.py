#!/usr/bin/env python3
"""Reference client: the Python `websockets` client against hybi's server (tests/js/helpers/server-app.mjs).

    py-client.py BASE_URL plain|deflate

Runs every scenario of the mode in turn and prints one JSON line per scenario ({"scenario": …, …}); the Node test
asserts on them and on what the server recorded (connection ids are "py-<scenario>-<n>")."""
import asyncio, json, sys, traceback

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

BASE, MODE = sys.argv[1], sys.argv[2]
COMPRESSION = "deflate" if MODE == "deflate" else None
MiB = 1 << 20
counter = 0


def out(**o):
    sys.stdout.write(json.dumps(o) + "\n")
    sys.stdout.flush()


def pattern(n, seed=0):
    block = bytes(((i * 31 + seed) & 255) for i in range(256))
    return (block * (n // 256 + 1))[:n]


def url(path, scenario):
    global counter
    counter += 1
    cid = f"py-{scenario}-{counter}"
    sep = "&" if "?" in path else "?"
    return cid, f"{BASE}{path}{sep}id={cid}"


def conn(u, **kw):
    kw.setdefault("compression", COMPRESSION)
    return connect(u, max_size=128 * MiB, ping_interval=None, close_timeout=5, open_timeout=10, **kw)


async def closed_code(ws):
    try:
        await asyncio.wait_for(ws.wait_closed(), 10)
    except asyncio.TimeoutError:
        return None, None, "timeout"
    rcvd = ws.protocol.close_rcvd
    return (rcvd.code if rcvd else 1006), (rcvd.reason if rcvd else ""), None


# ---------------------------------------------------------------------------------------------------------- plain


async def s_echo():
    cid, u = url("/echo", "echo")
    bad = []
    async with conn(u) as ws:
        for n in [0, 1, 125, 126, 127, 65535, 65536, 70000]:
            text = "é" * (n >> 1) + "a" * (n & 1)
            await ws.send(text)
            if await ws.recv() != text:
                bad.append(f"text {n}")
            b = pattern(n, n)
            await ws.send(b)
            got = await ws.recv()
            if not isinstance(got, bytes) or got != b:
                bad.append(f"binary {n}")
        await ws.send("emoji 🎉 and 中文")
        if await ws.recv() != "emoji 🎉 and 中文":
            bad.append("emoji")
        await ws.close(1000, "done")
    return dict(id=cid, bad=bad, code=ws.close_code)


async def s_big():
    cid, u = url(f"/big?size={16 * MiB}&seed=7", "big")
    async with conn(u) as ws:
        first = await ws.recv()
        ok_first = first == pattern(16 * MiB, 7)
        big = pattern(16 * MiB, 3)
        await ws.send(big)
        ok_bin = (await ws.recv()) == big
        text = "x" * (16 * MiB)
        await ws.send(text)
        ok_text = (await ws.recv()) == text
        await ws.close()
    return dict(id=cid, first=ok_first, binary=ok_bin, text=ok_text)


async def s_fragmented():
    cid, u = url("/fragmented", "fragmented")
    async with conn(u) as ws:
        a = await ws.recv()
        b = await ws.recv()
        await ws.send(["frag1", "frag2", "frag3"])
        c = await ws.recv()
        await ws.send([pattern(1000, 1), pattern(70000, 2), b""])
        d = await ws.recv()
        await ws.close()
    return dict(id=cid, serverText=a == "ü" * 3000, serverBinary=b == pattern(65536, 1), text=c,
                binary=d == pattern(1000, 1) + pattern(70000, 2))


async def s_ping():
    cid, u = url("/ping", "ping")
    async with conn(u) as ws:
        got = await ws.recv()
        waiter = await ws.ping(b"client-ping")
        latency = await asyncio.wait_for(waiter, 5)
        await ws.close()
    return dict(id=cid, got=got, latency=latency)


async def s_close_client():
    cid, u = url("/echo", "close-client")
    async with conn(u) as ws:
        await ws.close(4001, "bye ✓")
    rcvd = ws.protocol.close_rcvd
    return dict(id=cid, code=rcvd.code if rcvd else None, reason=rcvd.reason if rcvd else None)


async def s_close_server():
    res = {}
    for code, reason in [(1001, "going away"), (1013, "try again later"), (4002, "server bye")]:
        cid, u = url(f"/close?code={code}&reason={reason.replace(' ', '%20')}", "close-server")
        async with conn(u) as ws:
            code_seen, reason_seen, err = await closed_code(ws)
        res[str(code)] = dict(id=cid, code=code_seen, reason=reason_seen, err=err)
    return dict(results=res)


async def s_drop():
    cid, u = url("/drop", "drop")
    async with conn(u) as ws:
        code, _, _ = await closed_code(ws)
    return dict(id=cid, code=code)


async def s_abort():
    cid, u = url("/echo", "abort")
    async with conn(u) as ws:
        await ws.send("hello")
        await ws.recv()
        ws.transport.abort()
    return dict(id=cid)


async def s_subprotocol():
    res = []
    for offer in (["other", "chat"], ["chat", "superchat"], ["nothing"]):
        cid, u = url("/echo", "subprotocol")
        async with conn(u, subprotocols=offer) as ws:
            res.append(dict(id=cid, offer=offer, protocol=ws.subprotocol))
            await ws.close()
    return dict(results=res)


async def s_headers():
    cid, u = url("/headers", "headers")
    async with conn(u, additional_headers={"Authorization": "Bearer t0k3n", "X-Custom": "yes"},
                    origin="https://example.test") as ws:
        body = json.loads(await ws.recv())
        response = dict(ws.response.headers.raw_items())
        await ws.close()
    return dict(id=cid, headers=body["headers"], response={k.lower(): v for k, v in response.items()})


async def refused(path, scenario, **kw):
    cid, u = url(path, scenario)
    try:
        async with conn(u, **kw):
            return dict(id=cid, opened=True)
    except InvalidStatus as e:
        r = e.response
        return dict(id=cid, status=r.status_code, headers={k.lower(): v for k, v in r.headers.raw_items()},
                    body=r.body.decode("utf-8", "replace") if r.body else "")


async def s_reject():
    return await refused("/reject", "reject")


async def s_origin():
    bad = await refused("/origin", "origin", origin="https://evil.test")
    cid, u = url("/origin", "origin")
    async with conn(u, origin="https://good.test") as ws:
        await ws.send("ok")
        good = await ws.recv()
        await ws.close()
    return dict(bad=bad, good=good)


async def s_limit():
    cid, u = url("/limit", "limit")
    async with conn(u) as ws:
        await ws.send(b"x" * 4096)
        fits = len(await ws.recv())
        await ws.send(b"x" * 5000)
        code, reason, err = await closed_code(ws)
    return dict(id=cid, fits=fits, code=code, err=err)


async def s_utf8():
    cid, u = url("/echo", "utf8")
    async with conn(u) as ws:
        await ws.send(b"hi\xff\xfe", text=True)
        code, reason, err = await closed_code(ws)
    return dict(id=cid, code=code, err=err)


async def s_stream():
    cid, u = url("/stream", "stream")
    async with conn(u) as ws:
        msgs = ["a", pattern(100), "b" * 70000, pattern(MiB, 5)]
        for m in msgs:
            await ws.send(m)
        echoed = [(await ws.recv()) == m for m in msgs]
        await ws.close(4003, "stream done")
    return dict(id=cid, echoed=echoed)


# -------------------------------------------------------------------------------------------------------- deflate


def compressible(n):
    words = b"hybi websocket deflate context takeover window bits python client "
    return (words * (n // len(words) + 1))[:n]


async def s_deflate_echo():
    cid, u = url("/echo", "deflate")
    res = {}
    async with conn(u) as ws:
        res["extensions"] = ws.response.headers.get("Sec-WebSocket-Extensions")
        cases = [("text-small", compressible(300).decode()), ("binary-small", compressible(300)),
                 ("text-1mib", compressible(MiB).decode()), ("binary-1mib", pattern(MiB, 9)),
                 ("tiny", "hi"), ("empty", "")]
        for name, m in cases:
            await ws.send(m)
            res[name] = (await ws.recv()) == m
        await ws.send(["frag-" * 100, "ment " * 300, "ed"])
        res["fragmented"] = (await ws.recv()) == "frag-" * 100 + "ment " * 300 + "ed"
        await ws.close()
    return dict(id=cid, **res)


async def s_deflate_big():
    cid, u = url(f"/big?size={MiB}&seed=4", "deflate-big")
    async with conn(u) as ws:
        first = (await ws.recv()) == pattern(MiB, 4)
        await ws.close()
    return dict(id=cid, first=first)


PLAIN = [s_echo, s_big, s_fragmented, s_ping, s_close_client, s_close_server, s_drop, s_abort, s_subprotocol,
         s_headers, s_reject, s_origin, s_limit, s_utf8, s_stream]
DEFLATE = [s_deflate_echo, s_deflate_big]


async def main():
    for s in (DEFLATE if MODE == "deflate" else PLAIN):
        name = s.__name__[2:].replace("_", "-")
        try:
            res = await asyncio.wait_for(s(), 60)
            out(scenario=name, ok=True, **res)
        except Exception as e:  # noqa: BLE001 - reported to the test
            out(scenario=name, ok=False, error=f"{type(e).__name__}: {e}", trace=traceback.format_exc())


asyncio.run(main())
