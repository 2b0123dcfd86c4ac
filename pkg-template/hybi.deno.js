// The `deno` entry: wasm loaded the way deno allows, sockets from lib/dial-deno.js, the listener from lib/listen-deno.js.
import "./init/deno.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-deno.js";
import { listen } from "./lib/listen-deno.js";
setPlatform({ name: "deno", dial, listen });
export * from "./lib/api.js";
