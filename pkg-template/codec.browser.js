// `hybi/codec` for browser: low-level helpers straight from the wasm core.
import "./init/browser.js";
export { acceptKey, mask } from "./hybi.js";
