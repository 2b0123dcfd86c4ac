// `hybi/codec` in Node and Bun: as init/node.js, for the codec wasm (hybi_codec_bg.wasm: the runtime's exports plus
// the frame inspector's `inspect` and `compose`), which only `hybi/codec` loads.
import { initSync } from "../hybi_codec.js";
import { fs } from "./node-fs.js";
initSync({ module: fs.readFileSync(new URL("../hybi_codec_bg.wasm", import.meta.url)) });
