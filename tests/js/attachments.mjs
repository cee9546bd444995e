// A widget sends a screenshot with the npm socket.io-client: upload over HTTP
// (POST /attachments/widget/upload with the session token), then client_message with the
// attachment id; an agent socket receives new_message with the file, and both download it.
//
//   node attachments.mjs <server url> <business_id> <agent JWT> <png path>
//
// Prints "RESULT {json}" and exits 0, or "FAILED ..." and exits 1.
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";

const [URL, BUSINESS_ID, AGENT_JWT, PNG] = process.argv.slice(2);
const fail = (e) => { console.log("FAILED " + (e && e.stack || e)); process.exit(1); };
setTimeout(() => fail("timed out"), 30000);

function connect(auth) {
  const s = io(URL, { auth, transports: ["websocket"], reconnection: false });
  return new Promise((resolve, reject) => {
    s.on("connect", () => resolve(s));
    s.on("connect_error", reject);
  });
}
const ack = (s, event, data) => new Promise((r) => s.emit(event, data, r));
const next = (s, event, check) => new Promise((r) => {
  const on = (m) => { if (check(m)) { s.off(event, on); r(m); } };
  s.on(event, on);
});

try {
  const widget = await connect({ business_id: BUSINESS_ID });
  const first = await ack(widget, "client_message", {
    content: "Hi, look at this", customer_data: { name: "Pat", email: "pat@example.com" },
  });
  if (!first.ok) fail(JSON.stringify(first));
  const conversationId = first.conversation_id;
  const session = first.session_token;
  const agent = await connect({ business_id: BUSINESS_ID, token: AGENT_JWT });
  const joined = await ack(agent, "join_conversation", { conversation_id: conversationId });
  if (!joined.ok) fail(JSON.stringify(joined));

  const form = new FormData();
  form.append("business_id", BUSINESS_ID);
  form.append("conversation_id", String(conversationId));
  form.append("session_token", session);
  const png = readFileSync(PNG);
  form.append("file", new Blob([png]), "screenshot.png");
  const up = await fetch(`${URL}/attachments/widget/upload`, { method: "POST", body: form });
  const uploaded = await up.json();
  if (up.status !== 201) fail(JSON.stringify(uploaded));
  const attachmentId = uploaded.attachments[0].id;

  const agentSaw = next(agent, "new_message", (m) => m.attachments && m.attachments.length);
  const sent = await ack(widget, "client_message", {
    conversation_id: conversationId, attachments: [attachmentId], content: "the error",
  });
  if (!sent.ok) fail(JSON.stringify(sent));
  const live = await agentSaw;

  const asWidget = await fetch(`${live.content}?session=${encodeURIComponent(session)}`);
  const bytes = new Uint8Array(await asWidget.arrayBuffer());
  const anonymous = await fetch(live.content);
  const thumb = await fetch(`${live.attachments[0].thumbnail_url}?session=${encodeURIComponent(session)}`);
  const badRef = await ack(widget, "client_message", {
    conversation_id: conversationId, attachments: [attachmentId],
  });
  console.log("RESULT " + JSON.stringify({
    conversation_id: conversationId, attachment_id: attachmentId, ack: sent.message, live,
    download: { status: asWidget.status, type: asWidget.headers.get("content-type"), size: bytes.length },
    anonymous_status: anonymous.status, thumbnail_status: thumb.status,
    thumbnail_type: thumb.headers.get("content-type"), resend: badRef,
  }));
  widget.close(); agent.close();
  process.exit(0);
} catch (e) { fail(e); }
