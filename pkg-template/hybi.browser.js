// The `browser` entry: a page has no raw sockets, so WebSocket/WebSocketStream need options.socket there.
import "./init/browser.js";
import { setPlatform } from "./lib/platform.js";
setPlatform({ name: "browser", dial: null });
export * from "./lib/api.js";
