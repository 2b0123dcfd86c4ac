// `hybi/codec` for deno: low-level helpers straight from the wasm core.
import "./init/deno.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi.js";
