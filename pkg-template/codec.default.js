// `hybi/codec` for other runtimes: call `await init(moduleOrBytesOrUrl)` first.
export { acceptKey, mask } from "./hybi.js";
export { init } from "./hybi.default.js";
