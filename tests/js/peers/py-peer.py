#!/usr/bin/env python3
"""Reference peer: a Python `websockets` server (plain and TLS) on 127.0.0.1, with the same behaviour by path as
ws-peer.mjs. Prints JSON lines: the ports, then one line per event. Exits when stdin closes or after 10 minutes."""
import asyncio, json, ssl, sys
from http import HTTPStatus
from urllib.parse import urlsplit, parse_qs

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


def out(**o):
    sys.stdout.write(json.dumps(o) + "\n")
    sys.stdout.flush()


def pattern(n, seed=0):
    return bytes(((i * 31 + seed) & 255) for i in range(n)) if n < 4096 else \
        (bytes(((i * 31 + seed) & 255) for i in range(256)) * (n // 256 + 1))[:n]


SNI = {}


def process_request(connection, request):
    if urlsplit(request.path).path == "/reject":
        body = "no entry: token required\n"
        response = connection.respond(HTTPStatus.UNAUTHORIZED, body)
        response.headers["WWW-Authenticate"] = 'Bearer realm="hybi"'
        return response
    return None


def process_response(connection, request, response):
    response.headers["X-Hybi-Peer"] = "python"
    return response


def select_subprotocol(connection, subprotocols):
    for p in ("superchat", "chat"):
        if p in subprotocols:
            return p
    return None


async def echo(ws):
    async for msg in ws:
        await ws.send(msg)


async def handler(ws):
    u = urlsplit(ws.request.path)
    q = {k: v[0] for k, v in parse_qs(u.query).items()}
    cid = q.get("id", "")
    headers = {k.lower(): v for k, v in ws.request.headers.raw_items()}
    sslobj = ws.transport.get_extra_info("ssl_object")
    sni = SNI.get(id(sslobj)) if sslobj is not None else None
    out(event="connection", id=cid, path=u.path, headers=headers, protocol=ws.subprotocol, sni=sni,
        extensions=ws.response.headers.get("Sec-WebSocket-Extensions"))
    try:
        if u.path == "/headers":
            await ws.send(json.dumps({"headers": headers, "sni": sni}))
            await echo(ws)
        elif u.path == "/close":
            await ws.close(int(q.get("code", 1000)), q.get("reason", ""))
        elif u.path == "/drop":
            await asyncio.sleep(0.05)
            ws.transport.abort()
        elif u.path == "/ping":
            waiter = await ws.ping(b"srv-ping")
            await waiter
            out(event="pong", id=cid, data="srv-ping")
            await ws.send("got pong: srv-ping")
            await echo(ws)
        elif u.path == "/fragmented":
            await ws.send(["frag1", "frag2", "frag3"])
            await echo(ws)
        elif u.path == "/invalid-utf8":
            await ws.send(b"hi\xff\xfe", text=True)
            await ws.wait_closed()
        elif u.path == "/big":
            await ws.send(pattern(int(q.get("size", 1024)), int(q.get("seed", 0))))
            await echo(ws)
        elif u.path == "/flood":
            count, size = int(q.get("count", 16)), int(q.get("size", 1 << 20))
            chunk = pattern(size)

            async def flood():
                sent = 0
                try:
                    for _ in range(count):
                        await ws.send(chunk)
                        sent += 1
                except ConnectionClosed:
                    pass
                out(event="flooded", id=cid, sent=sent)

            task = asyncio.create_task(flood())
            await echo(ws)
            await task
        else:
            await echo(ws)
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    rcvd = ws.protocol.close_rcvd
    out(event="close", id=cid, code=rcvd.code if rcvd else 1006, reason=rcvd.reason if rcvd else "")


async def main():
    cert, key = (sys.argv[1], sys.argv[2]) if len(sys.argv) > 2 else (None, None)
    opts = dict(process_request=process_request, process_response=process_response,
                select_subprotocol=select_subprotocol, max_size=128 << 20, ping_interval=None,
                compression=None, close_timeout=5)
    plain = await serve(handler, "127.0.0.1", 0, **opts)
    tls_port = None
    servers = [plain]
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.sni_callback = lambda obj, name, c: SNI.__setitem__(id(obj), name)
        secure = await serve(handler, "127.0.0.1", 0, ssl=ctx, **opts)
        tls_port = secure.sockets[0].getsockname()[1]
        servers.append(secure)
    # permessage-deflate with websockets' default settings (its `compression="deflate"`)
    deflate = await serve(handler, "127.0.0.1", 0, **{**opts, "compression": "deflate"})
    servers.append(deflate)
    out(event="listening", port=plain.sockets[0].getsockname()[1], tlsPort=tls_port,
        deflatePort=deflate.sockets[0].getsockname()[1])
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()
    loop.add_reader(sys.stdin.fileno(), lambda: (sys.stdin.buffer.read1(65536) or stdin_closed.done()
                                                  or stdin_closed.set_result(None)))
    try:
        await asyncio.wait_for(stdin_closed, 600)
    except asyncio.TimeoutError:
        pass


asyncio.run(main())
