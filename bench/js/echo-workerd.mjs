// The echo worker (echo-worker.mjs) bundled with esbuild's `workerd` condition and started under miniflare, for the
// workerd rows (run.mjs) and profile-workerd.mjs. `root`: the project (its node_modules has esbuild and
// miniflare); `cwd`: where `hybi` resolves from (the bench scratch directory); `outdir`: where the bundle goes.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export async function startEchoWorker({ root, cwd, outdir, inspectorPort }) {
  const esbuild = await import(join(root, "node_modules/esbuild/lib/main.js"));
  await esbuild.build({
    entryPoints: [join(here, "echo-worker.mjs")],
    bundle: true,
    format: "esm",
    conditions: ["workerd", "worker"],
    external: ["cloudflare:sockets"],
    loader: { ".wasm": "copy" },
    outdir,
    absWorkingDir: cwd,
    logLevel: "error",
  });
  const { Miniflare } = await import(join(root, "node_modules/miniflare/dist/src/index.js"));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, "echo-worker.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-26",
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  await mf.ready;
  return mf;
}
