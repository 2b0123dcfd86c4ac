// The `deno` entry: wasm loaded the way deno allows, sockets from lib/dial-deno.js.
import "./init/deno.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-deno.js";
setPlatform({ name: "deno", dial });
export * from "./lib/api.js";
