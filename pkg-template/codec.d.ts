// Types for `hybi/codec`: low-level helpers straight from the wasm core.

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string;

/** XORs `data` with the 4-byte `key` as if it started at payload byte `offset`; returns a new array. */
export function mask(data: Uint8Array | number[], key: Uint8Array | number[], offset: number): Uint8Array;

/** One frame as decoded from the wire, with the byte offsets of its parts. */
export interface Frame {
  offset: number;
  headerLength: number;
  fin: boolean;
  /** RSV1–RSV3 as the low three bits (RSV1 = 0b100). */
  rsv: number;
  opcode: number;
  opcodeName: string;
  control: boolean;
  masked: boolean;
  maskKey: Uint8Array | null;
  /** The 7-bit length field as sent (126: 16-bit length follows, 127: 64-bit). */
  len7: number;
  /** Which length form was used: 7, 16 or 64 bits. */
  lengthBits: 7 | 16 | 64;
  payloadOffset: number;
  payloadLength: number;
  /** The unmasked payload (only the bytes present in the input). */
  payload: Uint8Array;
  /** Index of the message this frame belongs to. */
  message: number;
}

/** A message reassembled from its frames. */
export interface Message {
  opcode: number;
  kind: string;
  /** Indices of its frames. */
  frames: number[];
  compressed: boolean;
  inflated: boolean;
  complete: boolean;
  data: Uint8Array;
  text: string | null;
  closeCode: number | null;
  reason: string | null;
}

/** What `inspect` and `compose` return. */
export interface Inspection {
  sender: "client" | "server" | null;
  frames: Frame[];
  messages: Message[];
  /** The first rule broken: where, which, and the close code an endpoint fails the connection with. */
  error: { offset: number; frame: number | null; kind: string; message: string; closeCode: number | null; section: string } | null;
  /** Set when the input ends inside a frame: how many bytes are missing (`exact` false: at least that many). */
  truncated: { offset: number; frame: number | null; missing: number; exact: boolean } | null;
  afterClose: boolean;
  frameLimit: boolean;
}

/**
 * Splits captured bytes into frames with every field and its byte offsets, unmasks, reassembles fragmented
 * messages, inflates permessage-deflate messages when `deflate` is true, and reports the first rule broken.
 */
export function inspect(bytes: Uint8Array, deflate: boolean): Inspection;

/**
 * Encodes a message as it goes on the wire: `kind` is "text", "binary", "ping", "pong" or "close" (the payload is
 * then the reason; `closeCode` 0 sends none). `client` masks with `mask` (4 bytes) or a fresh random key per frame;
 * `fragmentSize` 0 sends one frame; `injectPing` puts a Ping between the first two fragments; `compress` uses
 * permessage-deflate. Returns the inspection of the result plus `bytes`, everything on the wire.
 */
export function compose(
  client: boolean,
  kind: "text" | "binary" | "ping" | "pong" | "close",
  payload: Uint8Array,
  mask: Uint8Array | null | undefined,
  fragmentSize: number,
  injectPing: boolean,
  closeCode: number,
  compress: boolean,
): Inspection & { bytes: Uint8Array };

/** Whether this build speaks permessage-deflate. */
export function deflateSupported(): boolean;

/**
 * Only in the `default` entry: loads the codec wasm first (`hybi/hybi_codec_bg.wasm`, not the runtime's
 * `hybi_bg.wasm`): a Module, its bytes, or a URL/Request/Response.
 */
export function init(input: WebAssembly.Module | BufferSource | URL | string | Request | Response): Promise<void>;
