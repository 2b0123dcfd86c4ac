// `hybi/codec` for node: low-level helpers straight from the wasm core.
import "./init/node.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi.js";
