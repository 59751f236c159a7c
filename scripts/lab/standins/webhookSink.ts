/**
 * Lab stand-in for the alert webhooks (Slack, Teams, PagerDuty, generic) and heartbeat URLs:
 * answers 200 to every request and appends it as one JSON line to a file the scenarios read.
 * The cutover scenario runs a second one as the previous hoster's server (sink.ts).
 * Usage: node -r scripts/lib/register-ts.js webhookSink.ts ADDRESS PORT FILE   (runs until `lab down` stops it)
 */
import * as fs from "fs";
import * as http from "http";

const [address, port, file] = process.argv.slice(2);
if (!address || !port || !file) {
  process.stderr.write("usage: webhookSink.ts ADDRESS PORT FILE\n");
  process.exit(2);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const record = { at: new Date().toISOString(), from: req.socket.remoteAddress, method: req.method, path: req.url, body: Buffer.concat(chunks).toString("utf8") };
    fs.appendFileSync(file, JSON.stringify(record) + "\n");
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
  });
});
server.listen(Number(port), address, () => process.stdout.write(`webhook sink listening on ${address}:${port}, recording to ${file}\n`));
