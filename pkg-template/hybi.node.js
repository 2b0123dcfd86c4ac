// The `node` entry: wasm loaded the way node allows, sockets from lib/dial-node.js, listening from lib/listen-node.js.
import "./init/node.js";
import "./init/random-node.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-node.js";
import { listen } from "./lib/listen-node.js";
setPlatform({ name: "node", dial, listen });
export * from "./lib/api.js";
