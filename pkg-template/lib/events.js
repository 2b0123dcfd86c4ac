// Event classes: the runtime's own where it has them (so `instanceof` works with the globals), else ours.

class HybiCloseEvent extends Event {
  #code;
  #reason;
  #wasClean;
  constructor(type, init = {}) {
    super(type, init);
    this.#code = init.code ?? 0;
    this.#reason = init.reason ?? "";
    this.#wasClean = init.wasClean ?? false;
  }
  get code() {
    return this.#code;
  }
  get reason() {
    return this.#reason;
  }
  get wasClean() {
    return this.#wasClean;
  }
}

class HybiMessageEvent extends Event {
  #data;
  #origin;
  constructor(type, init = {}) {
    super(type, init);
    this.#data = init.data ?? null;
    this.#origin = init.origin ?? "";
  }
  get data() {
    return this.#data;
  }
  get origin() {
    return this.#origin;
  }
  get lastEventId() {
    return "";
  }
  get source() {
    return null;
  }
  get ports() {
    return [];
  }
}

class HybiErrorEvent extends Event {
  #message;
  #error;
  constructor(type, init = {}) {
    super(type, init);
    this.#message = init.message ?? "";
    this.#error = init.error;
  }
  get message() {
    return this.#message;
  }
  get error() {
    return this.#error;
  }
  get filename() {
    return "";
  }
  get lineno() {
    return 0;
  }
  get colno() {
    return 0;
  }
}

function usable(C, init) {
  try {
    const e = new C("x", init);
    return Object.keys(init).every((k) => e[k] === init[k]);
  } catch {
    return false;
  }
}

/** Node (not Bun or Deno, which also define `process`). */
const isNode =
  typeof process === "object" &&
  typeof process.versions?.node === "string" &&
  !process.versions.bun &&
  typeof globalThis.Deno === "undefined";

/**
 * The runtime's own event class `name`, if it has a usable one. Not in Node: there MessageEvent and CloseEvent
 * are undici's, loaded on first touch (even by getOwnPropertyDescriptor) at a cost of about 30 ms, most of a cold
 * start, so hybi's own classes are used, as `ws` does. Browsers, Deno, workerd and Bun have them built in.
 */
function builtin(name, init) {
  if (isNode) return undefined;
  const C = globalThis[name];
  return typeof C === "function" && usable(C, init) ? C : undefined;
}

export const CloseEvent = builtin("CloseEvent", { code: 4000, reason: "r", wasClean: true }) ?? HybiCloseEvent;
export const MessageEvent = builtin("MessageEvent", { data: 1, origin: "o" }) ?? HybiMessageEvent;
export const ErrorEvent = builtin("ErrorEvent", { message: "m", error: new Error("s") }) ?? HybiErrorEvent;
