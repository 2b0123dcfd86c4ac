// Everything the package's main entry exports (each runtime's entry sets the dialer and the listener first).
export { WebSocket } from "./websocket.js";
export { WebSocketStream } from "./stream.js";
export { WebSocketError, HybiError } from "./errors.js";
export { CloseEvent, MessageEvent, ErrorEvent } from "./events.js";
export { accept, handleUpgrade, WebSocketServer } from "./server.js";
export { bunHandlers } from "./transport-bun.js";
