// The `bun` entry: wasm loaded the way bun allows, sockets from lib/dial-bun.js.
import "./init/node.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-bun.js";
setPlatform({ name: "bun", dial });
export * from "./lib/api.js";
