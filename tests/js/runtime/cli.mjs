// Deno / Bun / Node: `<runtime> cli.mjs BASE TLS_BASE CA_PEM PROXY_URL` → prints one JSON line with the results.
import { runEcho } from "./echo-core.mjs";

const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const [base, tlsBase = "", ca = "", proxy = ""] = args;
let resolved = null;
try {
  resolved = import.meta.resolve("hybi");
} catch {}
try {
  const res = await runEcho({ base, tlsBase, ca, proxy });
  console.log(JSON.stringify({ ...res, resolved }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e?.stack ?? e), resolved }));
}
// Exit explicitly: nothing should be left open, but a runtime that keeps an idle socket must not hang the test.
if (typeof Deno !== "undefined") Deno.exit(0);
else process.exit(0);
