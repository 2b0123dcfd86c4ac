// `hybi/codec` in browsers: as init/browser.js, for the codec wasm (hybi_codec_bg.wasm), which only `hybi/codec`
// loads (fetch + streaming compile beside this file; bundlers pick the URL up as an asset).
import init from "../hybi_codec.js";
await init({ module_or_path: new URL("../hybi_codec_bg.wasm", import.meta.url) });
