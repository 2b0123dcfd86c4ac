// Node: masking and handshake keys from the OS's CSPRNG (/dev/urandom) rather than crypto.getRandomValues, whose
// first call loads Node's WebCrypto: about 4 ms of a cold start, before the first handshake key. Where there is no
// /dev/urandom (Windows, some sandboxes), crypto.getRandomValues.
import { setRandomSource } from "../hybi.js";
import { fs } from "./node-fs.js";

function urandom(buf) {
  const fd = fs.openSync("/dev/urandom", "r");
  try {
    for (let n = 0; n < buf.length; ) {
      const read = fs.readSync(fd, buf, n, buf.length - n, null);
      if (read === 0) throw new Error("/dev/urandom: end of file");
      n += read;
    }
  } finally {
    fs.closeSync(fd);
  }
}

if (process.platform !== "win32") {
  setRandomSource((buf) => {
    try {
      urandom(buf);
    } catch {
      globalThis.crypto.getRandomValues(buf);
    }
  });
}
