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

for (const [C, tag] of [[HybiCloseEvent, "CloseEvent"], [HybiMessageEvent, "MessageEvent"], [HybiErrorEvent, "ErrorEvent"]]) {
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: tag, configurable: true });
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

/**
 * The class of the message events hybi's WebSocket dispatches: MessageEvent, except in Bun, whose builtin one
 * costs about 300 ns more per message to construct and dispatch than an Event subclass (523 vs 231 ns measured in
 * Bun 1.4; 16 B echo +8%). There, hybi's own class with the builtin's prototype spliced into its chain, so that
 * `instanceof MessageEvent` holds and its toStringTag is MessageEvent's; its getters are hybi's.
 */
export const DispatchedMessageEvent =
  typeof process === "object" && process.versions?.bun && MessageEvent !== HybiMessageEvent
    ? withPrototypeOf(HybiMessageEvent, MessageEvent)
    : MessageEvent;

function withPrototypeOf(Own, Builtin) {
  class Spliced extends Own {}
  const proto = Object.getOwnPropertyDescriptors(Own.prototype);
  delete proto.constructor;
  Object.setPrototypeOf(Spliced.prototype, Builtin.prototype);
  Object.defineProperties(Spliced.prototype, proto);
  return Spliced;
}
