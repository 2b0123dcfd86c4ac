// `hybi/codec` for browser: low-level helpers straight from the wasm core.
import "./init/browser.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi.js";
