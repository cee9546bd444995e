/* PingBack chat widget. Embed on any page:
 *
 *   <script src="https://pingback.example.com/static/widget/widget.js"
 *           data-business-id="YOUR_BUSINESS_ID" async></script>
 *
 * Loads the socket.io client and its stylesheet from the same origin as this file, adds a chat
 * bubble, asks for name and email, then chats live over Socket.IO (/socket.io/). The session
 * token, conversation id, last seen message id, recent messages and unsent messages are kept
 * in localStorage, so a reload resumes the same conversation and retries what was not sent
 * (each message carries a client id, so a retry never creates a duplicate).
 * Message text is only ever put in the page with textContent.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__pingbackWidget) return;
  window.__pingbackWidget = true;
  var businessId = script.getAttribute("data-business-id");
  var origin = new URL(script.src, location.href).origin;
  var title = script.getAttribute("data-title") || "Chat with us";
  var KEY = "pingback.widget." + businessId;
  // The business's settings (GET /widget/settings/): look, texts in its language, open now.
  var config = null;
  function t(key, english) { return (config && config.texts && config.texts[key]) || english; }
  var KEEP = 100; // messages cached for an instant resume

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  var state = load();
  state.messages = state.messages || [];
  state.outbox = state.outbox || [];
  // A private random key proving, on a retried first message (lost ack, no session token
  // yet), that it comes from this browser; staff never see it.
  state.visitor_key = state.visitor_key || secret();
  function save() {
    state.messages = state.messages.slice(-KEEP);
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function secret() {
    if (!(window.crypto && crypto.getRandomValues)) return (uuid() + uuid()).replace(/-/g, "");
    var bytes = crypto.getRandomValues(new Uint8Array(24)), out = "";
    for (var i = 0; i < bytes.length; i++) out += ("0" + bytes[i].toString(16)).slice(-2);
    return out;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "w" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "pbw-bubble-icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  /* ---------- DOM ---------- */
  var css = el("link");
  css.rel = "stylesheet";
  css.href = origin + "/static/widget/widget.css";
  document.head.appendChild(css);

  var root = el("div", "pbw-root");
  var bubble = el("button", "pbw-bubble");
  bubble.type = "button";
  bubble.setAttribute("aria-expanded", "false");
  bubble.setAttribute("aria-controls", "pbw-panel");
  bubble.setAttribute("aria-label", "Open chat");
  bubble.append(chatIcon(), el("span", "pbw-bubble-text", "Chat"));
  var badge = el("span", "pbw-unread", "");
  badge.hidden = true;
  bubble.append(badge);

  var panel = el("section", "pbw-panel");
  panel.id = "pbw-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  panel.hidden = true;

  var head = el("header", "pbw-head");
  var headText = el("div", "pbw-head-text");
  var presenceDot = el("span", "pbw-dot pbw-dot-offline");
  var availability = el("span", "pbw-availability", "Connecting…");
  headText.append(el("strong", "pbw-title", title), el("br"), presenceDot, availability);
  var closeBtn = el("button", "pbw-close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "Close chat");
  head.append(headText, closeBtn);

  var prechat = el("form", "pbw-prechat");
  prechat.noValidate = false;
  var intro = el("p", "pbw-intro", "Hi! Tell us who you are and we'll get back to you right here.");
  var nameLabel = el("label", null, "Name");
  var nameInput = el("input");
  nameInput.name = "name"; nameInput.required = true; nameInput.maxLength = 200; nameInput.autocomplete = "name";
  nameInput.id = nameLabel.htmlFor = "pbw-name";
  var emailLabel = el("label", null, "Email");
  var emailInput = el("input");
  emailInput.name = "email"; emailInput.type = "email"; emailInput.required = true; emailInput.autocomplete = "email";
  emailInput.id = emailLabel.htmlFor = "pbw-email";
  var startBtn = el("button", "pbw-primary", "Start chat");
  startBtn.type = "submit";
  prechat.append(intro, nameLabel, nameInput, emailLabel, emailInput, startBtn);

  var chat = el("div", "pbw-chat");
  var list = el("ol", "pbw-messages");
  list.setAttribute("aria-live", "polite");
  list.setAttribute("aria-label", "Messages");
  var typingEl = el("p", "pbw-typing", "Support is typing…");
  typingEl.hidden = true;
  var composer = el("form", "pbw-composer");
  var input = el("textarea");
  var maxLength = Number(script.getAttribute("data-max-length")) || 5000;
  input.rows = 2; input.required = true;
  input.id = "pbw-input";
  input.placeholder = "Write a message…";
  var inputLabel = el("label", "pbw-hidden", "Your message");
  inputLabel.htmlFor = "pbw-input";
  var sendBtn = el("button", "pbw-primary", "Send");
  sendBtn.type = "submit";
  var errorEl = el("p", "pbw-error");
  errorEl.setAttribute("role", "alert");
  errorEl.hidden = true;
  var counter = el("p", "pbw-count", "0 / " + maxLength);
  counter.id = "pbw-count";
  input.setAttribute("aria-describedby", "pbw-count");
  composer.append(inputLabel, input, sendBtn, counter, errorEl);
  var files = attachmentComposer(); // attachments: picker, drop, paste, previews (below)
  // Shown once the team resolved the conversation: a notice and, when the business asks for
  // it, the rating question (1-5 and an optional comment), answered once.
  var resolved = el("div", "pbw-resolved");
  resolved.setAttribute("role", "status");
  resolved.hidden = true;
  var resolvedText = el("p", "pbw-resolved-text", "This conversation was resolved. Write again any time to reopen it.");
  var rateForm = el("form", "pbw-rate");
  var rateQuestion = el("p", "pbw-rate-question", "How did we do?");
  var scores = el("div", "pbw-scores");
  scores.setAttribute("role", "radiogroup");
  scores.setAttribute("aria-label", "Your rating from 1 (poor) to 5 (excellent)");
  var chosen = 0;
  [1, 2, 3, 4, 5].forEach(function (n) {
    var b = el("button", "pbw-score", String(n));
    b.type = "button";
    b.setAttribute("role", "radio");
    b.setAttribute("aria-checked", "false");
    b.setAttribute("aria-label", n + " out of 5");
    b.addEventListener("click", function () {
      chosen = n;
      Array.prototype.forEach.call(scores.children, function (c, i) { c.setAttribute("aria-checked", String(i + 1 === n)); });
      rateSend.disabled = false;
    });
    scores.append(b);
  });
  var rateComment = el("textarea", "pbw-rate-comment");
  rateComment.rows = 2; rateComment.maxLength = 2000;
  rateComment.placeholder = "Anything to add? (optional)";
  rateComment.setAttribute("aria-label", "Comment (optional)");
  var rateSend = el("button", "pbw-primary", "Send rating");
  rateSend.type = "submit"; rateSend.disabled = true;
  var rateThanks = el("p", "pbw-rate-thanks", "Thanks for your rating!");
  rateThanks.hidden = true;
  rateForm.append(rateQuestion, scores, rateComment, rateSend);
  resolved.append(resolvedText, rateForm, rateThanks);
  chat.append(list, typingEl, resolved, composer);

  panel.append(head, prechat, chat);
  root.append(panel, bubble);

  function showStage() {
    var known = !!(state.name && state.email);
    prechat.hidden = known;
    chat.hidden = !known;
  }

  function setOpen(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    state.open = open; save();
    if (open) {
      badge.hidden = true;
      (prechat.hidden ? input : nameInput).focus();
      list.scrollTop = list.scrollHeight;
      markRead();
    } else {
      bubble.focus();
    }
  }
  bubble.addEventListener("click", function () { setOpen(panel.hidden); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });

  /* ---------- messages ---------- */
  function receiptOf(m) {
    if (!m.id) return m.failed ? "not sent" : "sending…";
    return m.read_at ? "read" : (m.delivered_at ? "delivered" : "sent");
  }
  function render(m) {
    var mine = m.sender_type === "customer";
    var kind = mine ? "me" : (m.sender_type === "agent" ? "agent" : (m.is_ai ? "ai" : "system"));
    var li = el("li", "pbw-msg pbw-msg-" + kind);
    if (m.id) li.setAttribute("data-message-id", m.id);
    if (m.client_id) li.setAttribute("data-client-id", m.client_id);
    if (!mine) {
      var who = kind === "agent" ? (m.sender_name || t("support", "Support")) : (kind === "ai" ? t("ai", "AI assistant") : t("notice", "Notice"));
      var sender = el("span", "pbw-sender");
      if (kind === "agent") sender.append(el("span", "pbw-avatar", initials(who)), " ");
      sender.append(who);
      li.append(sender);
    }
    if (m.attachments && m.attachments.length) renderAttachments(li, m);
    else li.append(linkified(el("p", "pbw-text"), m.content));
    if (mine) li.append(el("span", "pbw-receipt pbw-receipt-" + receiptOf(m).replace(/\W+/g, ""), receiptOf(m)));
    return li;
  }
  function initials(name) {
    var parts = String(name || "?").trim().split(/\s+/).filter(Boolean);
    var a = parts[0] ? parts[0][0] : "?";
    var b = parts.length > 1 ? parts[parts.length - 1][0] : "";
    return (a + b).toUpperCase();
  }
  // URLs in a message become links (http/https only, opened in a new tab without referrer);
  // everything else stays text.
  function linkified(node, text) {
    var re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, at = 0, match;
    text = String(text == null ? "" : text);
    while ((match = re.exec(text))) {
      node.append(text.slice(at, match.index));
      var a = el("a", null, match[0]);
      a.href = match[0]; a.target = "_blank"; a.rel = "noopener noreferrer nofollow";
      node.append(a);
      at = match.index + match[0].length;
    }
    node.append(text.slice(at));
    return node;
  }
  function find(m) {
    for (var i = 0; i < state.messages.length; i++) {
      var s = state.messages[i];
      if ((m.id && s.id === m.id) || (m.client_id && s.client_id === m.client_id)) return i;
    }
    return -1;
  }
  function redraw() {
    list.replaceChildren();
    state.messages.forEach(function (m) { list.append(render(m)); });
    list.scrollTop = list.scrollHeight;
  }
  function upsert(m) {
    if (state.conversation_id && m.conversation_id && String(m.conversation_id) !== String(state.conversation_id)) return;
    var i = find(m);
    if (i >= 0) state.messages[i] = Object.assign({}, state.messages[i], m, { failed: false });
    else state.messages.push(m);
    state.messages.sort(function (a, b) { return (a.id || Number.MAX_SAFE_INTEGER) - (b.id || Number.MAX_SAFE_INTEGER); });
    if (m.id && m.id > (state.last_message_id || 0)) state.last_message_id = m.id;
    save(); redraw();
    if (m.sender_type !== "customer") {
      typingEl.hidden = true;
      if (panel.hidden) { badge.hidden = false; badge.textContent = "new"; }
      if (m.id) scheduleReceipts();
    }
  }
  function setReceipt(p, field) {
    var i = find({ id: p.message_id });
    if (i < 0 || state.messages[i].sender_type !== "customer") return;
    state.messages[i][field] = p[field] || new Date().toISOString();
    save(); redraw();
  }

  /* ---------- socket ---------- */
  var socket = null;
  var agents = {};
  function showAvailability() {
    var statuses = Object.keys(agents).map(function (k) { return agents[k]; });
    var status = statuses.indexOf("online") >= 0 ? "online" : (statuses.indexOf("away") >= 0 ? "away" : "offline");
    presenceDot.className = "pbw-dot pbw-dot-" + status;
    var closed = config && config.open_now === false;
    availability.textContent = !socket || !socket.connected ? t("reconnecting", "Reconnecting…") :
      closed ? t("closed", "We're closed right now — leave your email and we'll answer by email") :
      status === "online" ? t("online", "We're online") : status === "away" ? t("away", "We're away, back soon") :
      t("offline", "Nobody is online — leave a message and we'll answer here");
    root.setAttribute("data-open", closed ? "false" : "true");
    root.setAttribute("data-availability", status);
  }

  // Reconnecting (or reloading) with the session token, conversation id and last seen message
  // id: the server rejoins the conversation and replays what was missed as new_message.
  function auth(cb) {
    var a = { business_id: businessId };
    if (state.session_token) a.session_token = state.session_token;
    if (state.session_token && state.conversation_id) {
      a.conversation_id = state.conversation_id;
      a.last_message_id = state.last_message_id || 0;
    }
    cb(a);
  }

  var flushing = false;
  function flush() {
    if (flushing || !socket || !socket.connected || !state.outbox.length) return;
    flushing = true;
    var item = state.outbox[0];
    var payload = {
      content: item.content,
      client_id: item.client_id,
      customer_data: { name: state.name, email: state.email },
      metadata: { page_url: location.href, user_agent: navigator.userAgent },
      visitor_key: state.visitor_key,
    };
    if (state.conversation_id) payload.conversation_id = state.conversation_id;
    if (item.attachments) payload.attachments = item.attachments;
    socket.timeout(15000).emit("client_message", payload, function (err, ack) {
      flushing = false;
      if (err) return; // no answer: stays in the outbox, retried on the next connect
      state.outbox.shift();
      if (ack && ack.ok) {
        // The server put this socket in the conversation's room when it stored the message.
        if (ack.session_token) state.session_token = ack.session_token;
        if (ack.conversation_id) state.conversation_id = ack.conversation_id;
        if (ack.message) upsert(ack.message);
      } else {
        var i = find({ client_id: item.client_id });
        if (i >= 0) state.messages[i].failed = true;
        var why = ack && ack.error && ack.error.message;
        errorEl.textContent = "Not sent: " + (why || "please try again.");
        errorEl.hidden = false;
        redraw();
      }
      save();
      flush();
    });
  }

  // Receipts for the team's messages: delivered when they reach this page, read when the
  // panel is open.
  function markDelivered() {
    if (!socket || !socket.connected || !state.conversation_id) return;
    socket.emit("message_delivered", { conversation_id: state.conversation_id });
  }
  var receiptTimer = null;
  function scheduleReceipts() {
    // One receipt for a burst (a replay after reconnect), not one per message.
    clearTimeout(receiptTimer);
    receiptTimer = setTimeout(function () { markDelivered(); markRead(); }, 150);
  }
  function markRead() {
    if (!socket || !socket.connected || !state.conversation_id || panel.hidden) return;
    socket.emit("message_read", { conversation_id: state.conversation_id });
  }

  var typing = false;
  var typingStop = null;
  function sendTyping(on) {
    if (!socket || !socket.connected || !state.conversation_id || typing === on) return;
    typing = on;
    socket.emit("typing", { conversation_id: state.conversation_id, is_typing: on });
  }

  // PingBack.identify({id, email, name, hash}): the page's logged-in user. With a hash your
  // server signed (HMAC-SHA256 of the id, or of the email, with the business's identity
  // secret) this widget continues that customer's history; without one it only fills the
  // visitor's name and email. Sent once connected, before any queued message.
  var identity = null;
  function switchTo(conversationId) {
    state.conversation_id = conversationId;
    state.messages = []; state.last_message_id = 0;
    state.resolved = null; state.rate_for = null; state.rated = null;
    save(); redraw(); showResolution();
    socket.emit("join_conversation", { conversation_id: conversationId, last_message_id: 0 });
  }
  function sendIdentity() {
    if (!identity || !socket || !socket.connected) return;
    var user = identity;
    socket.timeout(15000).emit("identify", user, function (err, ack) {
      if (err) return; // no answer: sent again on the next connect
      if (identity === user) identity = null;
      if (!ack || !ack.ok) {
        if (window.console) console.warn("PingBack identify: " + ((ack && ack.error && ack.error.message) || "refused"));
      } else {
        if (user.name) state.name = user.name;
        if (user.email) state.email = user.email;
        if (!state.name && state.email) state.name = state.email;
        root.setAttribute("data-identified", ack.verified ? "verified" : "unverified");
        if (ack.verified) {
          state.session_token = ack.session_token;
          if (ack.conversation_id && String(ack.conversation_id) !== String(state.conversation_id)) {
            switchTo(ack.conversation_id);
          }
        }
        save(); showStage();
      }
      flush();
    });
  }
  function identify(user) {
    if (!user || typeof user !== "object") throw new Error("PingBack.identify expects an object {id, email, name, hash}");
    identity = user;
    sendIdentity();
  }
  // Logging out on a shared computer: forget this browser's chat (the next visitor starts anew).
  function reset() {
    identity = null;
    state = { messages: [], outbox: [], visitor_key: secret() };
    save(); redraw(); showStage(); showResolution();
    root.removeAttribute("data-identified");
    if (socket) { socket.disconnect(); socket.connect(); }
  }

  function connect() {
    socket = window.io(origin, { auth: auth, transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      root.setAttribute("data-connected", "true");
      showAvailability();
      if (identity) sendIdentity(); else flush();
      markDelivered();
      markRead();
    });
    socket.on("disconnect", function () { root.setAttribute("data-connected", "false"); showAvailability(); });
    socket.on("connect_error", function (err) {
      if (err && err.data && err.data.code === "SESSION_INVALID") {
        // A stale session (e.g. the server's secret changed): start over as a new visitor.
        delete state.session_token; delete state.conversation_id; state.messages = []; save(); redraw();
      }
      availability.textContent = "Can't connect: " + (err && err.message ? err.message : "retrying…");
    });
    socket.on("new_message", upsert);
    // The team started a conversation with this visitor (live, or since the last visit):
    // show that one, and join it to get its messages.
    socket.on("conversation_started", function (p) {
      if (!p || String(p.conversation_id) === String(state.conversation_id)) return;
      switchTo(p.conversation_id);
    });
    socket.on("typing", function (p) {
      if (String(p.conversation_id) !== String(state.conversation_id)) return;
      if (p.sender_type === "customer") return;
      typingEl.textContent = (p.is_ai ? "AI assistant" : "Support") + " is typing…";
      typingEl.hidden = !p.is_typing;
    });
    socket.on("delivered", function (p) { if (p.reader !== "customer") setReceipt(p, "delivered_at"); });
    socket.on("read", function (p) { if (p.reader !== "customer") setReceipt(p, "read_at"); });
    socket.on("conversation_status_changed", function (p) {
      if (String(p.conversation_id) !== String(state.conversation_id)) return;
      var done = p.status === "resolved" || p.status === "closed";
      state.resolved = done ? p.conversation_id : null;
      if (p.csat_requested) { state.rate_for = p.conversation_id; state.rated = null; }
      if (!done) state.rate_for = null;
      save(); showResolution();
    });
    socket.on("conversation_rated", function (p) {
      if (String(p.conversation_id) !== String(state.conversation_id)) return;
      state.rated = p.score; save(); showResolution();
    });
    // The business changed its widget settings or hours: apply them without a reload.
    socket.on("widget_settings_changed", function () { loadConfig(showAvailability); });
    socket.on("agent_status_changed", function (p) {
      agents[p.agent_id] = p.status;
      showAvailability();
    });
  }

  prechat.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!prechat.checkValidity()) { prechat.reportValidity(); return; }
    state.name = nameInput.value.trim() || t("visitor", "Visitor");
    state.email = emailInput.value.trim();
    save(); showStage(); input.focus();
  });
  function showError(text) { errorEl.textContent = text; errorEl.hidden = false; }
  function updateCount() {
    var n = input.value.length;
    counter.textContent = n + " / " + maxLength;
    counter.className = n > maxLength ? "pbw-count pbw-over" : "pbw-count";
    if (n > maxLength) showError("Too long by " + (n - maxLength) + " characters.");
    else if (errorEl.textContent.indexOf("Too long") === 0) errorEl.hidden = true;
  }
  input.addEventListener("input", function () {
    updateCount();
    sendTyping(input.value.trim() !== "");
    clearTimeout(typingStop);
    typingStop = setTimeout(function () { sendTyping(false); }, 3000);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
  });
  composer.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    var ready = files.ready();
    if (ready === null) return; // an upload is still running
    if (!text.trim() && !ready.length) { showError("Write a message first."); return; }
    if (text.length > maxLength) {
      showError("Your message is " + text.length + " characters long; the limit is " + maxLength + ". Please shorten it.");
      return;
    }
    var item = { client_id: uuid(), content: text };
    if (ready.length) item.attachments = ready.map(function (a) { return a.id; });
    state.outbox.push(item);
    upsert({ client_id: item.client_id, content: ready.length ? "" : text, text: text, attachments: ready, sender_type: "customer", conversation_id: state.conversation_id || null });
    files.clear();
    input.value = ""; errorEl.hidden = true; updateCount();
    sendTyping(false);
    flush();
  });

  /* ---------- attachments (docs/attachments.md) ----------
   * Files are uploaded over HTTP (POST /attachments/widget/upload with the session token) as
   * soon as they are picked, dropped or pasted, with a preview and a progress bar; Send then
   * sends client_message with their ids (and the text as a caption). Uploading needs the
   * conversation: the first message is text. Attachment URLs are signed; the widget proves its
   * customer by adding its session token. */
  function withSession(url, download) {
    if (!url) return url;
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    return url + sep + "session=" + encodeURIComponent(state.session_token || "") + (download ? "&download=1" : "");
  }
  function formatSize(n) {
    return n < 1024 ? n + " B" : (n < 1048576 ? Math.round(n / 1024) + " kB" : (n / 1048576).toFixed(1) + " MB");
  }
  function renderAttachments(li, m) {
    var box = el("div", "pbw-files");
    (m.attachments || []).forEach(function (a) {
      if (a.local || (a.thumbnail_url && a.width)) {
        var link = el("a", "pbw-image");
        link.href = a.local || withSession(a.url);
        link.target = "_blank"; link.rel = "noopener";
        var img = el("img");
        img.src = a.local || withSession(a.thumbnail_url);
        img.alt = a.name;
        if (a.width && a.height) { img.width = Math.min(220, a.width); }
        link.append(img);
        box.append(link);
      } else {
        var card = el("a", "pbw-file");
        card.href = withSession(a.url, true);
        card.setAttribute("download", a.name);
        card.append(el("span", "pbw-file-name", a.name), el("span", "pbw-file-size", formatSize(a.size || 0)));
        box.append(card);
      }
    });
    li.append(box);
    if (m.text) li.append(el("p", "pbw-text", m.text));
  }
  function attachmentComposer() {
    var picker = el("input");
    picker.type = "file"; picker.multiple = true; picker.hidden = true;
    picker.setAttribute("data-testid", "pbw-file-input");
    var attachBtn = el("button", "pbw-attach", "Attach a file");
    attachBtn.type = "button";
    attachBtn.setAttribute("aria-label", "Attach a file");
    var tray = el("ul", "pbw-tray");
    tray.setAttribute("aria-label", "Files to send");
    composer.insertBefore(tray, composer.firstChild);
    composer.append(attachBtn, picker);
    var pending = [];
    var sendWhenSettled = false;
    function settled() {
      if (sendWhenSettled && !pending.some(function (p) { return !p.done && !p.error; })) {
        sendWhenSettled = false;
        composer.requestSubmit();
      }
    }

    function drawTray() {
      tray.replaceChildren();
      pending.forEach(function (p) {
        var li = el("li", "pbw-pending");
        if (p.preview) { var img = el("img"); img.src = p.preview; img.alt = p.file.name; li.append(img); }
        else li.append(el("span", "pbw-file-name", p.file.name));
        var bar = el("progress");
        bar.max = 100; bar.value = p.progress;
        li.append(bar);
        if (p.error) li.append(el("span", "pbw-error", p.error));
        var remove = el("button", "pbw-remove", "×");
        remove.type = "button"; remove.setAttribute("aria-label", "Remove " + p.file.name);
        remove.addEventListener("click", function () { pending.splice(pending.indexOf(p), 1); drawTray(); });
        li.append(remove);
        tray.append(li);
      });
      input.required = !pending.length;
    }
    function add(file) {
      if (!state.conversation_id || !state.session_token) {
        errorEl.textContent = "Send a first message, then attach files.";
        errorEl.hidden = false;
        return;
      }
      var p = { file: file, progress: 0, preview: /^image\//.test(file.type) ? URL.createObjectURL(file) : null };
      pending.push(p);
      drawTray();
      var form = new FormData();
      form.append("business_id", businessId);
      form.append("conversation_id", String(state.conversation_id));
      form.append("session_token", state.session_token);
      form.append("file", file, file.name || "pasted.png");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", origin + "/attachments/widget/upload");
      // 100% only once the server has stored and checked the file.
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { p.progress = Math.min(99, Math.round(100 * e.loaded / e.total)); drawTray(); } };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status === 201 && body) { p.done = body.attachments[0]; p.progress = 100; }
        else p.error = (body && body.message) || "Upload failed.";
        drawTray(); settled();
      };
      xhr.onerror = function () { p.error = "Upload failed."; drawTray(); settled(); };
      xhr.send(form);
    }
    function addAll(list) { for (var i = 0; i < list.length; i++) add(list[i]); }
    attachBtn.addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () { addAll(picker.files); picker.value = ""; });
    panel.addEventListener("dragover", function (e) { e.preventDefault(); panel.classList.add("pbw-dropping"); });
    panel.addEventListener("dragleave", function () { panel.classList.remove("pbw-dropping"); });
    panel.addEventListener("drop", function (e) {
      e.preventDefault(); panel.classList.remove("pbw-dropping");
      if (e.dataTransfer && e.dataTransfer.files.length) addAll(e.dataTransfer.files);
    });
    input.addEventListener("paste", function (e) {
      var items = (e.clipboardData && e.clipboardData.files) || [];
      if (items.length) { e.preventDefault(); addAll(items); }
    });
    return {
      // The uploaded attachments, or null while one is still uploading.
      ready: function () {
        if (pending.some(function (p) { return !p.done && !p.error; })) { sendWhenSettled = true; return null; }
        return pending.filter(function (p) { return p.done; }).map(function (p) {
          return Object.assign({}, p.done, { local: p.preview });
        });
      },
      clear: function () { pending = []; drawTray(); },
    };
  }

  function showResolution() {
    var here = state.resolved && String(state.resolved) === String(state.conversation_id);
    resolved.hidden = !here;
    rateForm.hidden = !(here && state.rate_for && !state.rated);
    rateThanks.hidden = !(here && state.rated);
  }
  rateForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!chosen || !socket || !socket.connected) return;
    rateSend.disabled = true;
    var payload = { conversation_id: state.conversation_id, score: chosen, comment: rateComment.value };
    socket.timeout(15000).emit("rate_conversation", payload, function (err, ack) {
      rateSend.disabled = false;
      if (err) return;
      if (ack && (ack.ok || (ack.error && ack.error.code === "ALREADY_RATED"))) {
        state.rated = chosen; save(); showResolution();
      } else {
        errorEl.textContent = "Rating not sent: " + ((ack && ack.error && ack.error.message) || "please try again.");
        errorEl.hidden = false;
      }
    });
  });

  function start() {
    document.body.appendChild(root);
    showStage();
    redraw();
    showResolution();
    showAvailability();
    if (state.open) setOpen(true);
    fetchAvailability();
    connect();
  }

  // Who is around right now; agent_status_changed keeps it current afterwards.
  function fetchAvailability() {
    fetch(origin + "/widget/availability/?business_id=" + encodeURIComponent(businessId))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.agents.forEach(function (a) { if (!(a.agent_id in agents)) agents[a.agent_id] = a.status; });
        showAvailability();
      })
      .catch(function () {});
  }

  // Settings first: a website the business did not allow shows no widget at all.
  function applyConfig(cfg) {
    config = cfg;
    root.style.setProperty("--pbw-accent", cfg.color);
    root.classList.toggle("pbw-left", cfg.position === "left");
    panel.setAttribute("lang", cfg.language);
    panel.setAttribute("aria-label", cfg.title);
    root.querySelector(".pbw-title").textContent = cfg.title;
    bubble.querySelector(".pbw-bubble-text").textContent = cfg.launcher_text;
    bubble.setAttribute("aria-label", t("open_chat", "Open chat"));
    closeBtn.setAttribute("aria-label", t("close_chat", "Close chat"));
    intro.textContent = cfg.greeting;
    var nameOptional = cfg.prechat && cfg.prechat.name === "optional";
    nameInput.required = !nameOptional;
    nameLabel.textContent = t("name", "Name") + (nameOptional ? " (" + t("optional", "optional") + ")" : "");
    emailLabel.textContent = t("email", "Email");
    startBtn.textContent = t("start", "Start chat");
    list.setAttribute("aria-label", t("messages", "Messages"));
    typingEl.textContent = t("typing", "Support is typing…");
    input.placeholder = t("placeholder", "Write a message…");
    inputLabel.textContent = t("your_message", "Your message");
    sendBtn.textContent = t("send", "Send");
    resolvedText.textContent = t("resolved", resolvedText.textContent);
    rateQuestion.textContent = t("rate_question", rateQuestion.textContent);
    scores.setAttribute("aria-label", t("rate_scale", scores.getAttribute("aria-label")));
    rateComment.placeholder = t("rate_comment", rateComment.placeholder);
    rateComment.setAttribute("aria-label", t("rate_comment_label", "Comment (optional)"));
    rateSend.textContent = t("rate_send", rateSend.textContent);
    rateThanks.textContent = t("rate_thanks", rateThanks.textContent);
    availability.textContent = t("connecting", "Connecting…");
    root.setAttribute("data-language", cfg.language);
  }
  function loadConfig(then) {
    fetch(origin + "/widget/settings/?business_id=" + encodeURIComponent(businessId))
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (res) {
        if (res.status === 200) { applyConfig(res.body); return then(); }
        if (res.body && res.body.code === "ORIGIN_NOT_ALLOWED") {
          if (window.console) console.warn("PingBack widget: " + res.body.message);
          if (socket) socket.disconnect();
          if (root.parentNode) root.parentNode.removeChild(root);
          return; // refused here: no widget
        }
        then();
      })
      .catch(function () { then(); }); // unreachable settings: the defaults
  }

  function boot() {
    loadConfig(bootSocket);
  }
  function bootSocket() {
    if (window.io) return start();
    var lib = el("script");
    lib.src = origin + "/static/vendor/socket.io.min.js";
    lib.onload = start;
    lib.onerror = function () { availability.textContent = "Chat unavailable"; document.body.appendChild(root); };
    document.head.appendChild(lib);
  }
  window.PingBackWidget = { applyConfig: function (cfg) { applyConfig(cfg); showAvailability(); } };
  // Calls made before this script loaded (see docs/team-tools.md): window.PingBack.q.
  var queued = (window.PingBack && window.PingBack.q) || [];
  window.PingBack = { identify: identify, reset: reset };
  queued.forEach(function (call) { if (window.PingBack[call[0]]) window.PingBack[call[0]](call[1]); });
  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot);
})();
