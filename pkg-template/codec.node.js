// `hybi/codec` for node: low-level helpers straight from the wasm core.
import "./init/node.js";
export { acceptKey, mask } from "./hybi.js";
