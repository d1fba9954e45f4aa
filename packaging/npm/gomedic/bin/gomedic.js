#!/usr/bin/env node
"use strict";
// Runs the gomedic binary shipped by the optional dependency for this platform (the esbuild
// pattern: npm installs only the one whose os/cpu match). Exit code 3 is gomedic's own
// "gomedic itself failed".
const { spawnSync } = require("child_process");
const fs = require("fs");

const packages = {
  "linux x64": "@gomedic/linux-x64",
  "win32 x64": "@gomedic/win32-x64",
};
const key = `${process.platform} ${process.arch}`;
const pkg = packages[key];
if (!pkg) {
  console.error(`gomedic: no prebuilt binary for ${key}; build it with \`cargo install gomedic\``);
  process.exit(3);
}
const exe = process.platform === "win32" ? "gomedic.exe" : "gomedic";
let bin;
try {
  bin = require.resolve(`${pkg}/bin/${exe}`);
} catch {
  console.error(
    `gomedic: the package ${pkg} is missing (installed with --omit=optional or on another ` +
      `platform?); reinstall gomedic on this machine`,
  );
  process.exit(3);
}
if (process.platform !== "win32") {
  // Some installers drop the executable bit from tarball entries.
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    try {
      fs.chmodSync(bin, 0o755);
    } catch {}
  }
}
const r = spawnSync(bin, process.argv.slice(2), { stdio: "inherit", windowsHide: false });
if (r.error) {
  console.error(`gomedic: cannot run ${bin}: ${r.error.message}`);
  process.exit(3);
}
if (r.signal) {
  process.kill(process.pid, r.signal);
}
process.exit(r.status === null ? 3 : r.status);
