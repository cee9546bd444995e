// The seed's "Complete integration example" (pingback-realtime-socketio), unmodified but for its
// URL and business_id, plus an agent on a second socket and an agent reply through REST.
//
//   node seed_example.mjs <server url> <business_id> <agent JWT> <api key> <agent id>
//
// Prints one line "RESULT {json}" with everything the widget received, then exits 0; exits 1
// with "FAILED ..." when a step does not happen within the time limit.
import { io } from "socket.io-client";

const [URL, BUSINESS_ID, AGENT_JWT, API_KEY, AGENT_ID] = process.argv.slice(2);
const seen = { new_message: [], typing: [], delivered: [], read: [], connect: 0, agent: {} };
const waiters = [];
function poke() {
  for (const w of [...waiters]) if (w.check()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
}
function record(name, value) {
  seen[name].push(value);
  poke();
}
function until(what, check, ms = 15000) {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const w = { check, resolve };
    waiters.push(w);
    setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
}

// ---- the seed example, verbatim apart from the URL and business_id ----------------------
const socket = io(URL, {
  auth: { business_id: BUSINESS_ID },
  transports: ["websocket", "polling"],
});

// Track the active conversation
let conversationId = null;

// Join an existing conversation (if resuming a session)
function joinConversation(id) {
  conversationId = id;
  socket.emit("join_conversation", { conversation_id: id });
}

// Send a message from the customer
function sendMessage(text) {
  socket.emit("client_message", {
    content: text,
    conversation_id: conversationId, // omit to start a new conversation
    customer_data: {
      name: "Jane Smith",
      email: "jane@example.com",
    },
  });
}

// Send a typing indicator
function setTyping(isTyping) {
  socket.emit("typing", {
    conversation_id: conversationId,
    user_id: "customer",
    is_typing: isTyping,
  });
}

// Listen for new messages
socket.on("new_message", (message) => {
  console.log(`[${message.sender_type}] ${message.content}`);
  // Update conversationId from the first reply
  if (!conversationId) {
    conversationId = message.conversation_id;
  }
});

// Listen for typing indicators
socket.on("typing", ({ user_id, is_typing }) => {
  console.log(`User ${user_id} is ${is_typing ? "typing..." : "done typing"}`);
});

// Listen for delivery and read receipts
socket.on("delivered", ({ message_id, delivered_at }) => {
  console.log(`Message ${message_id} delivered at ${delivered_at}`);
});

socket.on("read", ({ message_id, read_at }) => {
  console.log(`Message ${message_id} read at ${read_at}`);
});
// ---- end of the seed example --------------------------------------------------------------

socket.on("connect", () => { seen.connect += 1; poke(); });
for (const name of ["new_message", "typing", "delivered", "read"]) {
  socket.on(name, (payload) => record(name, payload));
}
socket.on("connect_error", (err) => { console.log(`FAILED connect_error ${err.message}`); process.exit(1); });

const agent = io(URL, {
  auth: { business_id: BUSINESS_ID, token: AGENT_JWT },
  transports: ["websocket", "polling"],
});
const agentSeen = { new_conversation: [], new_message: [], typing: [] };
for (const name of Object.keys(agentSeen)) {
  agent.on(name, (payload) => { agentSeen[name].push(payload); poke(); });
}
agent.on("connect", poke);

async function main() {
  await until("both sockets connected", () => socket.connected && agent.connected);
  sendMessage("Hi, I need help with my order");
  await until("the widget's own message with its conversation id", () => conversationId !== null);
  const customerMessage = seen.new_message.find((m) => m.sender_type === "customer");

  await until("agent hears of the conversation", () => agentSeen.new_conversation.length > 0);
  const joined = await agent.emitWithAck("join_conversation", { conversation_id: conversationId, last_message_id: 0 });
  if (!joined.ok) throw new Error(`agent join failed: ${JSON.stringify(joined)}`);

  setTyping(true);
  await until("agent sees the customer typing", () => agentSeen.typing.some((t) => t.is_typing));
  await agent.emitWithAck("typing", { conversation_id: conversationId, user_id: Number(AGENT_ID), is_typing: true });
  await until("widget sees the agent typing", () => seen.typing.some((t) => t.is_typing));

  const response = await fetch(`${URL}/api/v1/conversations/${conversationId}/messages/`, {
    method: "POST",
    headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify({ content: "Happy to help! What is the order number?", agent_id: Number(AGENT_ID) }),
  });
  if (response.status !== 201) throw new Error(`REST reply failed: ${response.status} ${await response.text()}`);
  await until("the agent's REST reply reaches the widget", () => seen.new_message.some((m) => m.sender_type === "agent"));

  await agent.emitWithAck("message_delivered", { conversation_id: conversationId, message_id: customerMessage.id });
  await until("delivered receipt", () => seen.delivered.length > 0);
  await agent.emitWithAck("message_read", { conversation_id: conversationId, message_id: customerMessage.id });
  await until("read receipt", () => seen.read.length > 0);

  sendMessage("It is #1234");
  await until("the follow-up in the same conversation", () => agentSeen.new_message.some((m) => m.content === "It is #1234"));

  seen.agent = agentSeen;
  seen.conversation_id = conversationId;
  seen.transport = socket.io.engine.transport.name;
  console.log(`RESULT ${JSON.stringify(seen)}`);
  socket.close();
  agent.close();
  process.exit(0);
}

main().catch((err) => { console.log(`FAILED ${err.message}`); process.exit(1); });
