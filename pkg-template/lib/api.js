// Everything the package's main entry exports (each runtime's entry sets the dialer first).
export { WebSocket } from "./websocket.js";
export { WebSocketStream } from "./stream.js";
export { WebSocketError, HybiError } from "./errors.js";
export { CloseEvent, MessageEvent, ErrorEvent } from "./events.js";
