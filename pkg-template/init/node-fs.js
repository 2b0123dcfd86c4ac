// Node and Bun: node:fs for the init files, from process.getBuiltinModule (Node ≥ 20.16, Bun), not from an
// import: importing it as an ES module builds its namespace, which loads fs/promises and fs streams (a few ms of
// a cold start) that hybi never uses.
export const fs = process.getBuiltinModule?.("node:fs") ?? import.meta.require?.("node:fs"); // the latter: older Bun
if (!fs) throw new Error("hybi needs Node ≥ 20.16 (process.getBuiltinModule)");
