// The `workerd` entry: wasm loaded the way workerd allows, sockets from lib/dial-workerd.js.
import "./init/workerd.js";
import { setPlatform } from "./lib/platform.js";
import { dial } from "./lib/dial-workerd.js";
setPlatform({ name: "workerd", dial });
export * from "./lib/api.js";
