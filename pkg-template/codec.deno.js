// `hybi/codec` for deno: low-level helpers straight from the wasm core. They live in their own wasm
// (hybi_codec_bg.wasm, with the frame inspector's bindings), so the one `import "hybi"` loads stays small.
import "./init/codec-deno.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi_codec.js";
