// Node and Bun: read the bytes beside this package and compile synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "../hybi.js";
initSync({ module: readFileSync(new URL("../hybi_bg.wasm", import.meta.url)) });
