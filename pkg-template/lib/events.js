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

export const CloseEvent =
  typeof globalThis.CloseEvent === "function" && usable(globalThis.CloseEvent, { code: 4000, reason: "r", wasClean: true })
    ? globalThis.CloseEvent
    : HybiCloseEvent;
export const MessageEvent =
  typeof globalThis.MessageEvent === "function" && usable(globalThis.MessageEvent, { data: 1, origin: "o" })
    ? globalThis.MessageEvent
    : HybiMessageEvent;
const errSample = new Error("s");
export const ErrorEvent =
  typeof globalThis.ErrorEvent === "function" && usable(globalThis.ErrorEvent, { message: "m", error: errSample })
    ? globalThis.ErrorEvent
    : HybiErrorEvent;
