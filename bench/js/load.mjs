// Open-loop Socket.IO load generator for bench/roundtrip_node.py.
//
//   node bench/js/load.mjs '{"url": "...", "business_id": "...", "token": "...", "plan": [0, 2, 4]}'
//
// Opens a customer socket and an agent socket (JWT) per conversation in the plan; each customer
// starts its conversation with a first message and the agent joins it. Prints {"ready": n} and
// then reads one command per line on stdin: {"rate": R, "conversations": C, "duration": D}
// offers R messages/s over all C conversations (this process sends its share) on a fixed
// schedule, never waiting for acks (open loop), and prints one JSON report per command:
// offered, received, lost, errors, the delivery window and every latency (customer emit ->
// the agent socket's new_message, same process, monotonic clock). "stop" ends.
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";

const args = JSON.parse(process.argv[2]);
const sent = new Map(); // client_id -> emit time (ms)
let latencies = [];
let window = { first: null, last: null };
let counts = { offered: 0, errors: 0 };

function connect(auth) {
  return new Promise((resolve, reject) => {
    const socket = io(args.url, { auth, transports: ["websocket"], reconnection: false });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

const pairs = [];
for (const index of args.plan) {
  const customer = await connect({ business_id: args.business_id });
  const agent = await connect({ business_id: args.business_id, token: args.token });
  agent.on("new_message", (message) => {
    const started = sent.get(message.client_id);
    if (started === undefined) return;
    sent.delete(message.client_id);
    const now = performance.now();
    latencies.push(now - started);
    window.last = now;
  });
  const ack = await customer.timeout(60000).emitWithAck("client_message", {
    content: `hello from bench customer ${index}`,
    customer_data: { name: `Bench ${index}`, email: `b${index}@example.com` },
    client_id: `open-${index}-${Math.random().toString(16).slice(2, 8)}`,
  });
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  const joined = await agent
    .timeout(60000)
    .emitWithAck("join_conversation", { conversation_id: ack.conversation_id });
  if (!joined.ok) throw new Error(JSON.stringify(joined));
  pairs.push({ index, customer, agent, conversationId: ack.conversation_id });
}
process.stdout.write(JSON.stringify({ ready: pairs.length }) + "\n");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function offer({ rate, conversations, duration }) {
  latencies = [];
  sent.clear();
  window = { first: null, last: null };
  counts = { offered: 0, errors: 0 };
  // This process's share of the offered rate, spread evenly over its conversations.
  const share = (rate * pairs.length) / conversations;
  const interval = 1000 / share; // ms between two sends of this process
  const start = performance.now();
  const end = start + duration * 1000;
  let n = 0;
  const onAck = (reply) => {
    if (!(reply && reply.ok)) counts.errors += 1;
  };
  while (true) {
    const now = performance.now();
    // Send everything that is due (a late timer sends a burst: the schedule stays open-loop).
    while (start + n * interval <= now && start + n * interval < end) {
      const pair = pairs[n % pairs.length];
      const clientId = `m-${pair.index}-${rate}-${n}`;
      const t = performance.now();
      sent.set(clientId, t);
      if (window.first === null) window.first = t;
      counts.offered += 1;
      pair.customer.emit(
        "client_message",
        { conversation_id: pair.conversationId, content: `m${n}`, client_id: clientId },
        onAck,
      );
      n += 1;
    }
    if (start + n * interval >= end) break;
    await sleep(Math.max(0, Math.min(5, start + n * interval - performance.now())));
  }
  const grace = performance.now() + (args.grace ?? 5) * 1000; // stragglers count as late
  while (sent.size && performance.now() < grace) await sleep(20);
  return {
    offered: counts.offered,
    window: ((window.last ?? 0) - (window.first ?? 0)) / 1000,
    received: latencies.length,
    lost: sent.size,
    errors: counts.errors,
    latencies,
  };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const command = JSON.parse(line);
  if (command === "stop") break;
  const report = await offer(command);
  process.stdout.write(JSON.stringify(report) + "\n");
}
for (const { customer, agent } of pairs) {
  customer.disconnect();
  agent.disconnect();
}
process.exit(0);
