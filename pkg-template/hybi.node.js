// The `node` entry: wasm loaded the way node allows, sockets from lib/dial-node.js.
import "./init/node.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-node.js";
setPlatform({ name: "node", dial });
export * from "./lib/api.js";
