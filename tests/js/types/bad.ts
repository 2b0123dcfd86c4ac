// Must NOT type-check: proves `deno check` really reads the package's declarations.
import { WebSocket, WebSocketServer } from "hybi";
import { mask } from "hybi/codec";
const w = new WebSocket("ws://x");
const n: string = w.bufferedAmount;
mask("x", [1], 0);
w.ping(5);
new WebSocketServer({ perMessageDeflate: { level: "9" } });
