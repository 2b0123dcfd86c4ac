// The `default` entry (any other runtime): call `await init(moduleOrBytesOrUrl)` before anything else; there is
// no built-in socket, so WebSocket/WebSocketStream need options.socket ({ readable, writable } or a function).
import glueInit, { initSync } from "./hybi.js";
import { setPlatform } from "./lib/platform.js";
setPlatform({ name: "default", dial: null });
export * from "./lib/api.js";

/**
 * Loads the wasm: a WebAssembly.Module, its bytes (BufferSource), or a URL / Request / Response to fetch.
 * Calling it again is a no-op.
 */
export async function init(input) {
  if (input instanceof WebAssembly.Module || input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    initSync({ module: input });
    return;
  }
  await glueInit({ module_or_path: input });
}
