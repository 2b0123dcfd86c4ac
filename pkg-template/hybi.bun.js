// The `bun` entry: wasm loaded the way bun allows, sockets from lib/dial-bun.js, the listener from lib/listen-bun.js.
import "./init/node.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-bun.js";
import { listen } from "./lib/listen-bun.js";
setPlatform({ name: "bun", dial, listen });
export * from "./lib/api.js";
