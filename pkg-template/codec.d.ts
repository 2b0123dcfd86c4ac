// Types for `hybi/codec`: low-level helpers straight from the wasm core.

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string;

/** XORs `data` with the 4-byte `key` as if it started at payload byte `offset`; returns a new array. */
export function mask(data: Uint8Array | number[], key: Uint8Array | number[], offset: number): Uint8Array;

/** Only in the `default` entry: loads the wasm first (a Module, its bytes, or a URL/Request/Response). */
export function init(input: WebAssembly.Module | BufferSource | URL | string | Request | Response): Promise<void>;
