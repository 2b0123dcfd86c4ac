// `hybi/codec` in workerd: as init/workerd.js, for the codec wasm (hybi_codec_bg.wasm), which only `hybi/codec`
// loads (a precompiled WebAssembly.Module through wrangler's CompiledWasm rule).
import module from "../hybi_codec_bg.wasm";
import { initSync } from "../hybi_codec.js";
initSync({ module });
