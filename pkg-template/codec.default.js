// `hybi/codec` for other runtimes: call `await init(moduleOrBytesOrUrl)` first, with the codec wasm
// (hybi_codec_bg.wasm, exported as "hybi/hybi_codec_bg.wasm"): not the runtime's hybi_bg.wasm, which lacks
// `inspect` and `compose`.
import glueInit, { initSync } from "./hybi_codec.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi_codec.js";

/**
 * Loads the codec wasm: a WebAssembly.Module, its bytes (BufferSource), or a URL / Request / Response to fetch.
 * Calling it again is a no-op.
 */
export async function init(input) {
  if (input instanceof WebAssembly.Module || input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    initSync({ module: input });
    return;
  }
  await glueInit({ module_or_path: input });
}
