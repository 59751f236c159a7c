// Compiles the project's own .ts files with esbuild as Node requires them, and nothing else.
// tsx's loader hooks also sit in front of every require in node_modules, which doubles the time
// Pulumi's SDKs take to load (measured: bench/plan-vs-floor.ts); the CLIs use this instead.
// Output is cached by path, size and mtime under node_modules/.cache, like other build tools.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");

const cacheDir = path.join(__dirname, "..", "..", "node_modules", ".cache", "shop-ts");

function compile(filename) {
  return esbuild.transformSync(fs.readFileSync(filename, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
    // import() becomes require(), so lazily loaded modules come through this hook too.
    supported: { "dynamic-import": false },
  }).code;
}

require.extensions[".ts"] = (module, filename) => {
  const stat = fs.statSync(filename);
  const key = crypto.createHash("sha1").update(`${esbuild.version}\0${filename}\0${stat.size}\0${stat.mtimeMs}`).digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    code = compile(filename);
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(`${cached}.${process.pid}`, code);
    fs.renameSync(`${cached}.${process.pid}`, cached);
  }
  module._compile(code, filename);
};
