// `hybi/codec` for workerd: low-level helpers straight from the wasm core.
import "./init/workerd.js";
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi.js";
