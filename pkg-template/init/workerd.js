// workerd: a .wasm import is a precompiled WebAssembly.Module (wrangler's CompiledWasm rule); compiling from bytes
// is refused there.
import module from "../hybi_bg.wasm";
import { initSync } from "../hybi.js";
initSync({ module });
