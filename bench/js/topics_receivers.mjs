// Topics API receivers for bench/topics_fanout.py: N WebSocket connections subscribed to one
// topic; each records the wall-clock time (seconds) at which every CREATE publish arrives.
// Node and `ws` so that the receivers' own work (1,000 frames per event) does not weigh on
// the figure: a Python asyncio client spent tens of milliseconds per event receiving.
//
//   node topics_receivers.mjs '{"url": "ws://…/api/?token=…", "topic": "/…/requests",
//                               "connections": 1000, "events": 10, "timeout": 300}'
//
// Prints READY once every connection has its subscribe snapshot, then one JSON line
// {"received": {"0": [t1, t2, …], …}, "errors": [...]}.
import WebSocket from "ws";

const config = JSON.parse(process.argv[2]);
const now = () => (performance.timeOrigin + performance.now()) / 1000;
const received = {};
const errors = [];
let ready = 0;
let finished = 0;

function done() {
  process.stdout.write(JSON.stringify({ received, errors: errors.slice(0, 5) }) + "\n", () =>
    process.exit(0),
  );
}

setTimeout(() => {
  errors.push(`timed out: ${ready} ready, ${finished} finished`);
  done();
}, config.timeout * 1000);

function open(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(config.url, { perMessageDeflate: Boolean(config.deflate) });
    const times = (received[i] = []);
    let subscribed = false;
    ws.on("open", () =>
      ws.send(JSON.stringify({ action: "subscribe", payload: { topic: config.topic } })),
    );
    ws.on("message", (data) => {
      if (!subscribed) {
        if (JSON.parse(data.toString()).action === "publish") {
          subscribed = true;
          ready += 1;
          resolve();
          if (ready === config.connections) process.stdout.write("READY\n");
        }
        return;
      }
      // The clock is read on receipt; the frame is only looked at, not parsed.
      if (data.includes('"CREATE"')) {
        times.push(now());
        if (times.length === config.events && ++finished === config.connections) done();
      }
    });
    ws.on("error", (err) => {
      errors.push(`connection ${i}: ${err.message}`);
      resolve();
    });
  });
}

// Connect in batches of 100 so that the server's listen backlog holds.
for (let start = 0; start < config.connections; start += 100) {
  const batch = [];
  for (let i = start; i < Math.min(start + 100, config.connections); i++) batch.push(open(i));
  await Promise.all(batch);
}
