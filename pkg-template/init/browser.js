// Browsers: fetch + streaming compile beside this file (top-level await; bundlers pick the URL up as an asset).
import init from "../hybi.js";
await init({ module_or_path: new URL("../hybi_bg.wasm", import.meta.url) });
