// `hybi/codec` for other runtimes: call `await init(moduleOrBytesOrUrl)` first.
export { acceptKey, compose, deflateSupported, inspect, mask } from "./hybi.js";
export { init } from "./hybi.default.js";
