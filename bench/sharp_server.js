// The same four operations driven by sharp (libvips from Node), for the "as fast as sharp" comparison.
// One worker per core (node:cluster), files read from a local directory, no cache, same encoder
// settings as imgorigin's defaults so that both do the same libvips work.
//   node bench/sharp_server.js <port> <root> <node_modules dir>
"use strict";
const cluster = require("node:cluster");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");

const [port, root, modules] = process.argv.slice(2);
const sharp = require(path.join(modules, "sharp"));
sharp.cache(false);

const ops = {
  a: (s) => s.resize(300).jpeg({ quality: 80, optimiseCoding: true }),
  b: (s) => s.resize(800, 600, { fit: "cover" }).webp({ quality: 80, effort: 4 }),
  c: (s) => s.extract({ left: 300, top: 200, width: 600, height: 400 }).grayscale()
    .png({ compressionLevel: 5, adaptiveFiltering: true }),
  d: (s) => s.resize(1024).avif({ quality: 55, effort: 1 }),
};
const types = { a: "image/jpeg", b: "image/webp", c: "image/png", d: "image/avif" };

if (cluster.isPrimary) {
  for (let i = 0; i < os.availableParallelism(); i++) cluster.fork();
} else {
  http.createServer((req, res) => {
    const [, op, name] = req.url.split("/");
    if (req.url === "/healthz") { res.end("ok"); return; }
    if (!ops[op] || !name || name.includes("..")) { res.statusCode = 404; res.end(); return; }
    ops[op](sharp(path.join(root, name)).rotate()).toBuffer().then((buf) => {
      res.writeHead(200, { "Content-Type": types[op], "Content-Length": buf.length });
      res.end(buf);
    }, () => { res.statusCode = 500; res.end(); });
  }).listen(Number(port), "127.0.0.1");
}
