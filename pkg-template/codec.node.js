// `hybi/codec` for node and bun: low-level helpers straight from the wasm core. They live in their own wasm
// (hybi_codec_bg.wasm, with the frame inspector's bindings), so the one `import "hybi"` loads stays small.
import "./init/codec-node.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi_codec.js";
