// `hybi/codec` in Deno: as init/deno.js, for the codec wasm (hybi_codec_bg.wasm), which only `hybi/codec` loads.
import source module from "../hybi_codec_bg.wasm";
import { initSync } from "../hybi_codec.js";
initSync({ module });
