// Node and Bun: read the bytes beside this package and compile synchronously.
import { initSync } from "../hybi.js";
import { fs } from "./node-fs.js";
initSync({ module: fs.readFileSync(new URL("../hybi_bg.wasm", import.meta.url)) });
