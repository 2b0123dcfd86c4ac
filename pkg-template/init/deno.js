// Deno ≥ 2.6: a source-phase import gives a WebAssembly.Module and needs no --allow-read.
import source module from "../hybi_bg.wasm";
import { initSync } from "../hybi.js";
initSync({ module });
