/* PingBack agent inbox: live updates on top of plain server-rendered pages.
 *
 * Every action is a normal form that works without this file. With it:
 * - the list page subscribes to the topics WebSocket (/api/?token=JWT, topic
 *   /<business>/requests) and re-fetches its server-rendered list fragment on each publish;
 * - every page holds an agent Socket.IO connection (auth {business_id, token}) for agent
 *   presence, and on the conversation page for new messages, typing and receipts;
 * - the reply box sends with fetch (Enter sends, Shift+Enter adds a line) using a client id
 *   so a retried send never duplicates a message.
 * Data from the server is only ever put in the page with textContent.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var ds = document.body.dataset;
  if (!ds.business) return; // login page
  var token = ds.token;
  var liveState = document.getElementById("live-state");
  var channels = { socket: false, topics: null };

  function showLive() {
    if (!liveState) return;
    // On a conversation page, live also means joined: typing and receipts reach this page only
    // once its socket is in the conversation's room.
    var on = channels.socket && channels.topics !== false && channels.joined !== false;
    liveState.textContent = on ? "live" : "reconnecting…";
    liveState.classList.toggle("on", on);
  }

  function freshToken() {
    return fetch(ds.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { token = data.token; return token; });
  }

  function postForm(form, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) {
          var err = new Error(body.message || refusal(r.status));
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }

  // A refusal in words when the server sent no message of its own (never a bare HTTP code).
  function refusal(status) {
    if (status === 403) return "Your session has expired or you were logged out: reload the page and log in again.";
    if (status === 404) return "This conversation is not in your inbox any more: a colleague may have taken it over.";
    if (status === 429) return "Too many requests: wait a moment and try again.";
    if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
    return "The server refused this (" + status + "). Reload the page and try again.";
  }
  function networkError(err) {
    return err instanceof TypeError ? "No connection to PingBack right now. Check your network and try again." : err.message;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  /* ---------- times and the tab title (every page) ---------- */
  function relative(date) {
    var s = (Date.now() - date.getTime()) / 1000;
    if (s < 45) return "just now";
    if (s < 3600) return Math.max(1, Math.round(s / 60)) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    if (s < 172800) return "yesterday";
    return date.toLocaleDateString("en-US", { month: "short", day: "numeric" });
  }
  function refreshTimes() {
    document.querySelectorAll("time[data-relative]").forEach(function (t) {
      var d = new Date(t.dateTime || t.getAttribute("datetime"));
      if (!isNaN(d)) t.textContent = relative(d);
    });
  }
  setInterval(refreshTimes, 30000);
  var baseTitle = document.title;
  function unreadTotal() {
    var h = document.getElementById("list-h");
    return h ? Number(h.dataset.waitingUnread || 0) : 0;
  }
  function showTitleBadge() {
    var n = unreadTotal();
    document.title = (n ? "(" + n + ") " : "") + baseTitle;
    document.body.dataset.unread = String(n);
  }
  showTitleBadge();

  /* ---------- notifications (per-agent preferences, "My preferences") ---------- */
  var prefsEl = document.getElementById("pb-notify");
  var prefs = prefsEl ? JSON.parse(prefsEl.textContent) : {};
  var fired = {};
  var audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.15);
    } catch (e) { /* no audio */ }
  }
  // kind: on_new_conversation | on_message_assigned | on_assigned_to_me | on_handoff
  function notify(kind, convId, title, body, nth) {
    // One notification per event, however many channels (socket, list) report it.
    var tag = "pb-" + kind + "-" + convId + (nth ? "-" + nth : "");
    // Mentions notify unless sound and desktop are both off (no per-event switch yet).
    if ((kind !== "on_mention" && !prefs[kind]) || fired[tag]) return;
    fired[tag] = true;
    document.body.dataset.notifications = String(Number(document.body.dataset.notifications || 0) + 1);
    if (prefs.sound) beep();
    if (prefs.desktop && window.Notification && Notification.permission === "granted") {
      var n = new Notification(title, { body: body, tag: tag });
      n.onclick = function () { window.focus(); location.href = "/inbox/c/" + Number(convId) + "/"; };
    }
  }
  function notifyRowChange(old, li) {
    var id = li.dataset.conversationId, who = li.dataset.customer || "A customer";
    var unread = Number(li.dataset.unread || 0);
    var viewing = String(id) === String(ds.conversation) && document.visibilityState === "visible";
    if (!old) {
      if (unread && !li.dataset.mine) notify("on_new_conversation", id, "New conversation", who + " started a conversation.");
    } else {
      if (li.dataset.mine && !old.dataset.mine) notify("on_assigned_to_me", id, "Assigned to you", who + "'s conversation is now yours.");
      if (li.dataset.handoff && !old.dataset.handoff) notify("on_handoff", id, "Handoff requested", who + " asked for a person.");
      if (li.dataset.mine && unread > Number(old.dataset.unread || 0) && !viewing) {
        notify("on_message_assigned", id, "New message from " + who, (li.querySelector(".preview") || {}).textContent || "", unread);
      }
    }
  }
  // Ask for the browser's permission only when the agent clicks (never on page load).
  function offerPermission() {
    if (!window.Notification || !prefs.desktop || Notification.permission !== "default") return;
    var slot = document.getElementById("notify-permission");
    if (!slot) {
      var bar = document.querySelector(".topbar");
      if (!bar) return;
      slot = document.createElement("span");
      slot.id = "notify-permission";
      var btn = document.createElement("button");
      btn.type = "button"; btn.className = "link"; btn.id = "ask-permission";
      btn.textContent = "Turn on desktop notifications";
      slot.append(btn);
      bar.insertBefore(slot, document.getElementById("live-state"));
    }
    slot.hidden = false;
    document.getElementById("ask-permission").addEventListener("click", function () {
      Notification.requestPermission().then(function () { slot.hidden = true; });
    });
  }
  offerPermission();

  /* ---------- keyboard shortcuts (? shows them) ---------- */
  var SHORTCUTS = [
    ["j", "Next conversation"], ["k", "Previous conversation"], ["r", "Reply (focus the box)"],
    ["e", "Resolve"], ["a", "Assign to me"], ["?", "Show or hide this help"], ["Esc", "Close help / leave the reply box"],
  ];
  function typingInField(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function helpOverlay() {
    var box = document.getElementById("shortcut-help");
    if (box) return box;
    box = document.createElement("div");
    box.id = "shortcut-help"; box.className = "shortcut-help"; box.hidden = true;
    box.setAttribute("role", "dialog"); box.setAttribute("aria-label", "Keyboard shortcuts");
    var h = document.createElement("h2"); h.textContent = "Keyboard shortcuts";
    var dl = document.createElement("dl");
    SHORTCUTS.forEach(function (s) {
      var dt = document.createElement("dt"), k = document.createElement("kbd"), dd = document.createElement("dd");
      k.textContent = s[0]; dt.append(k); dd.textContent = s[1]; dl.append(dt, dd);
    });
    box.append(h, dl);
    document.body.append(box);
    return box;
  }
  function moveConversation(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#conversation-list .row > a"));
    if (!links.length) return;
    var at = links.findIndex(function (a) { return a.closest(".row").classList.contains("current") || a === document.activeElement; });
    var next = links[Math.min(links.length - 1, Math.max(0, at < 0 ? 0 : at + step))];
    if (at >= 0 && document.querySelector(".row.current")) location.href = next.href;
    else next.focus();
  }
  function press(selector) {
    var b = document.querySelector(selector);
    if (b && !b.disabled) b.click();
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var help = document.getElementById("shortcut-help");
    if (e.key === "Escape") {
      if (help && !help.hidden) { help.hidden = true; return; }
      if (typingInField(e)) e.target.blur();
      return;
    }
    if (typingInField(e)) return;
    if (e.key === "?") { var box = helpOverlay(); box.hidden = !box.hidden; e.preventDefault(); return; }
    if (e.key === "j") moveConversation(1);
    else if (e.key === "k") moveConversation(-1);
    else if (e.key === "r") { var reply = document.getElementById("reply"); if (reply && !reply.disabled) { reply.focus(); e.preventDefault(); } }
    else if (e.key === "e") press('[data-action="resolve"]');
    else if (e.key === "a") press('[data-action="assign-me"]');
  });

  /* ---------- presence (every page) ---------- */
  var presence = document.getElementById("presence-form");
  var myDot = document.getElementById("my-status-dot");
  function setDot(dot, status) { if (dot) dot.className = "dot dot-" + status; }
  if (presence) {
    presence.querySelector("select").addEventListener("change", function () {
      postForm(presence).then(function (body) { setDot(myDot, body.agent.status); })
        .catch(function () { presence.submit(); });
    });
    presence.classList.add("auto");
  }
  function showAgentStatus(p) {
    if (String(p.agent_id) === ds.agent) {
      setDot(myDot, p.status);
      var select = presence && presence.querySelector("select");
      if (select) select.value = p.status;
    }
    var row = document.querySelector('#team-list li[data-agent-id="' + Number(p.agent_id) + '"]');
    if (row) {
      setDot(row.querySelector(".dot"), p.status);
      row.querySelector(".agent-status").textContent = p.status;
    }
  }

  /* ---------- agent Socket.IO connection ---------- */
  var socket = null;
  var handlers = [];
  function onSocket(name, fn) { handlers.push([name, fn]); if (socket) socket.on(name, fn); }
  // For static/inbox/teamtools.js (notes, labels), loaded after this file.
  window.PingBackInbox = { onSocket: onSocket, notify: notify, postForm: postForm, networkError: networkError };
  if (window.io) {
    socket = window.io({
      // presence: this tab counts towards the agent being online (conversations/presence.py).
      auth: function (cb) { cb({ business_id: ds.business, token: token, presence: true }); },
      transports: ["websocket", "polling"],
    });
    socket.on("connect", function () { channels.socket = true; showLive(); });
    socket.on("disconnect", function () { channels.socket = false; showLive(); });
    socket.on("connect_error", function () {
      channels.socket = false; showLive();
      // The page's token may have expired: fetch a new one for the next attempt.
      freshToken().catch(function () {});
    });
    socket.on("agent_status_changed", showAgentStatus);
    socket.on("new_conversation", function (p) {
      notify("on_new_conversation", p.conversation_id, "New conversation", ((p.customer && p.customer.name) || "A customer") + " started a conversation.");
    });
    socket.on("conversation_assigned", function (p) {
      if (String(p.assignee_id) === ds.agent && String(p.assigned_by) !== ds.agent) {
        notify("on_assigned_to_me", p.conversation_id, "Assigned to you", "A conversation was assigned to you.");
      }
    });
    socket.on("connect", function () { reportedIdle = false; checkIdle(); });
    // A customer was erased (privacy): a page showing one of their conversations reloads, so
    // their name and messages leave the screen at once.
    // A page already leaving (its own erase form was just sent) is not reloaded: the reload
    // would cancel that navigation and lose the confirmation the answer carries.
    var leaving = false;
    window.addEventListener("beforeunload", function () { leaving = true; });
    socket.on("customer_erased", function (p) {
      var shown = (p.conversation_ids || []).some(function (id) {
        return String(id) === String(ds.conversation) ||
          document.querySelector('[data-conversation-id="' + id + '"]');
      });
      if (shown && !leaving) window.location.reload();
    });
  }

  /* ---------- idle -> away (the server decides, from every tab of this agent) ---------- */
  var presenceMeta = document.querySelector('meta[name="pb-presence"]');
  var idleAfter = presenceMeta ? Number(presenceMeta.content) * 1000 : 0;
  var lastInput = Date.now(), reportedIdle = false;
  function reportIdle(idle) {
    if (!socket || !socket.connected || !presenceMeta) return;
    reportedIdle = idle;
    var form = document.getElementById("presence-form");
    var data = new FormData();
    data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.set("connection", socket.id);
    data.set("idle", idle ? "true" : "false");
    fetch(presenceMeta.dataset.url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .catch(function () {});
  }
  function checkIdle() {
    if (!idleAfter) return;
    var idle = Date.now() - lastInput >= idleAfter;
    if (idle !== reportedIdle) reportIdle(idle);
  }
  ["keydown", "pointerdown", "pointermove", "wheel", "focus", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () {
      lastInput = Date.now();
      if (reportedIdle) reportIdle(false);
    }, { passive: true, capture: true });
  });
  setInterval(checkIdle, Math.min(15000, Math.max(1000, idleAfter / 4 || 15000)));

  /* ---------- inbox list page ---------- */
  var live = document.getElementById("inbox-live");
  if (live) {
    var refreshTimer = null;
    var refreshing = false;
    var refreshUrl = ds.fragmentUrl;
    function rowIds() {
      var ids = {};
      live.querySelectorAll("[data-conversation-id]").forEach(function (li) {
        ids[li.dataset.conversationId] = li.textContent;
      });
      return ids;
    }
    function refresh() {
      if (refreshing) { scheduleRefresh(); return; }
      refreshing = true;
      var before = rowIds();
      fetch(refreshUrl, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          // Keep keyboard focus where it is now: same link (by href) in the new markup.
          var active = document.activeElement;
          var focusHref = active && live.contains(active) ? active.getAttribute("href") : null;
          var focusId = active && live.contains(active) ? active.id : null;
          // Server-rendered by Django's templates (autoescaped), never built from raw data.
          var fragment = document.createRange().createContextualFragment(html);
          patchList(fragment, before);
          var again = focusHref ? live.querySelector('a[href="' + CSS.escape(focusHref) + '"]')
            : (focusId ? document.getElementById(focusId) : null);
          if (again) again.focus();
          document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
        })
        .catch(function () {})
        .then(function () { refreshing = false; });
    }
    // Patch, do not replace: rows whose markup did not change stay the same nodes (focus,
    // hover and scroll stay put); changed or new rows are swapped in and highlighted.
    function patchList(fragment, before) {
      var oldRows = {};
      live.querySelectorAll("li[data-conversation-id]").forEach(function (li) {
        oldRows[li.dataset.conversationId] = li;
      });
      var freshList = fragment.querySelector("#conversation-list");
      if (freshList) {
        Array.prototype.slice.call(freshList.children).forEach(function (li) {
          var old = oldRows[li.dataset.conversationId];
          notifyRowChange(old, li);
          if (old && old.outerHTML === li.outerHTML) freshList.replaceChild(old, li);
          else if (before[li.dataset.conversationId] !== li.textContent) li.classList.add("fresh");
        });
      }
      live.replaceChildren(fragment);
      showTitleBadge();
    }
    window.__pbRefreshList = function () { scheduleRefresh(); };
    function scheduleRefresh() {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 250);
    }

    // Topics WebSocket: conversations created or changed in this business.
    var topic = "/" + ds.business + "/requests";
    var attempts = 0;
    var pollTimer = null;
    function connectTopics() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var ws;
      try {
        ws = new WebSocket(scheme + location.host + "/api/?token=" + encodeURIComponent(token));
      } catch (e) { return retryTopics(); }
      ws.onopen = function () {
        attempts = 0;
        channels.topics = true; showLive();
        clearInterval(pollTimer); pollTimer = null;
        ws.send(JSON.stringify({ action: "subscribe", payload: { topic: topic } }));
      };
      ws.onmessage = function (e) {
        var frame;
        try { frame = JSON.parse(e.data); } catch (err) { return; }
        if (frame.action === "publish" && frame.payload && frame.payload.topic === topic) {
          scheduleRefresh();
        }
      };
      ws.onclose = function () {
        channels.topics = false; showLive();
        // Until the socket is back, poll so the list never goes stale.
        if (!pollTimer) pollTimer = setInterval(refresh, 5000);
        retryTopics();
      };
    }
    function retryTopics() {
      attempts += 1;
      var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      setTimeout(function () { freshToken().then(connectTopics, connectTopics); }, delay);
    }
    connectTopics();
    // The agent socket hears the same changes: either channel alone keeps the list live.
    ["new_conversation", "conversation_status_changed", "conversation_assigned", "connect"]
      .forEach(function (name) { onSocket(name, scheduleRefresh); });
  }

  /* ---------- conversation page ---------- */
  var list = document.getElementById("messages");
  var convId = ds.conversation;
  if (list && convId) {
    var lastId = Number(ds.lastMessage || 0);
    var typingEl = document.getElementById("typing");
    var composer = document.getElementById("composer");
    var textarea = document.getElementById("reply");
    var sendError = document.getElementById("send-error");
    var agentNames = {};
    document.querySelectorAll("#assign-to option[value]").forEach(function (o) {
      if (o.value) agentNames[o.value] = o.textContent;
    });

    function kindOf(m) {
      if (m.sender_type === "customer") return "visitor";
      if (m.sender_type === "agent") return "operator";
      return m.is_ai ? "ai" : "system";
    }
    function senderLabel(m, kind) {
      if (kind === "visitor") return ds.customerName;
      if (kind === "operator") return m.sender_name || agentNames[m.sender_agent_id] || ds.agentName || "Agent";
      return kind === "ai" ? "AI assistant" : "System";
    }
    function receiptOf(m) { return m.read_at ? "read" : (m.delivered_at ? "delivered" : "sent"); }
    function scrollDown() { list.scrollTop = list.scrollHeight; }

    function renderMessage(m, li) {
      var kind = kindOf(m);
      li = li || document.createElement("li");
      li.replaceChildren();
      li.className = "msg msg-" + kind;
      if (m.id) li.dataset.messageId = m.id;
      if (m.client_id) li.dataset.clientId = m.client_id;
      var sender = document.createElement("span");
      sender.className = "sender";
      sender.textContent = senderLabel(m, kind);
      if (kind === "ai") {
        var badge = document.createElement("span");
        badge.className = "badge badge-ai"; badge.textContent = "AI";
        sender.append(" ", badge);
      }
      var content = document.createElement("p");
      content.className = "content";
      content.textContent = m.content;
      if (window.PingBackAttachments && m.attachments && m.attachments.length) {
        content = window.PingBackAttachments.render(m); // static/inbox/attachments.js
      }
      var stamp = document.createElement("span");
      stamp.className = "stamp";
      var time = document.createElement("time");
      var at = m.created_at ? new Date(m.created_at) : new Date();
      time.dateTime = at.toISOString();
      time.textContent = at.toLocaleString("en-US", { month: "short", day: "numeric" }) + ", " +
        at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
      stamp.append(time);
      if (kind !== "visitor") {
        var r = document.createElement("span");
        var state = m.id ? receiptOf(m) : "sending";
        r.className = "receipt receipt-" + state; r.textContent = state;
        stamp.append(" ", r);
      }
      li.append(sender, content, stamp);
      return li;
    }

    // Live messages are the server's own partial (templates/inbox/_message.html, the same
    // template as the first render), fetched after a new_message push: one template, and
    // links, names, avatars and times look the same whether loaded or pushed.
    var fetching = null, again = false;
    function fetchAfter(after) {
      return fetch(ds.messagesUrl + "?format=html&after=" + after, { credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 404) { goneFromView(); return ""; }
          return r.ok ? r.text() : "";
        })
        .then(insertMessages);
    }
    function fetchNew() {
      if (fetching) { again = true; return fetching; }
      fetching = fetchAfter(lastId).catch(function () {}).then(function () {
        fetching = null;
        if (again) { again = false; fetchNew(); }
      });
      return fetching;
    }
    function insertMessages(html) {
      if (!html) return;
      var fragment = document.createRange().createContextualFragment(html);
      var fromCustomer = 0;
      Array.prototype.slice.call(fragment.children).forEach(function (li) {
        var id = Number(li.dataset.messageId);
        var existing = list.querySelector('[data-message-id="' + id + '"]');
        var pending = li.dataset.clientId && list.querySelector('[data-client-id="' + CSS.escape(li.dataset.clientId) + '"]');
        var empty = document.getElementById("no-messages");
        if (empty) empty.remove();
        if (existing) existing.remove();
        if (pending) pending.remove();
        place(li, id);
        if (id > lastId) lastId = id;
        if (li.classList.contains("msg-visitor")) fromCustomer = id;
      });
      scrollDown();
      if (fromCustomer) { showTyping(false); markRead(fromCustomer); }
    }
    // A stored message stands where the server's order puts it (as a reload shows it), and
    // before the agent's replies still being sent: a customer's message that was on its way
    // while the agent replied was stored first, and must not end up below the reply.
    function place(li, id) {
      var rows = list.querySelectorAll("li.msg");
      for (var i = 0; i < rows.length; i++) {
        var other = rows[i].dataset.messageId;
        var sending = !other && rows[i].dataset.clientId;
        if (sending || (other && Number(other) > id)) { list.insertBefore(li, rows[i]); return; }
      }
      list.append(li);
    }
    function addMessage(m) {
      if (String(m.conversation_id) !== convId) return;
      if (list.querySelector('[data-message-id="' + Number(m.id) + '"]')) return;
      fetchNew();
    }

    function markRead(upTo) {
      if (document.visibilityState === "hidden") return;
      var form = document.createElement("form");
      form.action = ds.readUrl;
      var csrf = composer.querySelector("[name=csrfmiddlewaretoken]").cloneNode();
      form.append(csrf);
      postForm(form, upTo ? { up_to_id: upTo } : {}).then(function () {
        if (window.__pbRefreshList) window.__pbRefreshList();  // unread counts and title
      }).catch(function () {});
    }

    function setReceipt(messageId, state, text) {
      var li = list.querySelector('[data-message-id="' + Number(messageId) + '"] .receipt');
      if (!li) return;
      if (state === "delivered" && li.classList.contains("receipt-read")) return;
      li.className = "receipt receipt-" + state; li.textContent = text || state;
    }
    // How a reply on a channel travels (inbox/templatetags/inbox_tags.CHANNEL_WORDS).
    var channelWords = { email: "by email", whatsapp: "on WhatsApp", telegram: "on Telegram", api: "to your API" };

    var typingHide = null;
    function showTyping(on) {
      typingEl.hidden = !on;
      clearTimeout(typingHide);
      if (on) typingHide = setTimeout(function () { typingEl.hidden = true; }, 8000);
    }

    function catchUp() { return fetchNew(); }
    // Reading is an explicit POST once the page is actually visible.
    if (document.visibilityState !== "hidden") markRead(lastId || undefined);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") markRead(lastId || undefined);
    });

    channels.joined = false;
    onSocket("disconnect", function () { channels.joined = false; showLive(); });
    onSocket("connect", function () {
      socket.emit("join_conversation", { conversation_id: Number(convId) }, function (res) {
        channels.joined = !(res && res.ok === false);
        showLive();
        // Colleagues on this conversation see that this agent is viewing it.
        if (!document.body.dataset.readOnly) socket.emit("viewing", { conversation_id: Number(convId), is_viewing: true });
      });
      catchUp();
    });
    window.addEventListener("pagehide", function () {
      if (socket && socket.connected) socket.emit("viewing", { conversation_id: Number(convId), is_viewing: false });
    });
    var viewers = {};
    function showViewers() {
      var el = document.getElementById("colleague-viewing");
      var names = Object.keys(viewers).map(function (k) { return viewers[k]; });
      el.textContent = names.length ? names.join(", ") + (names.length > 1 ? " are" : " is") + " viewing this conversation too." : "";
      el.hidden = !names.length;
    }
    onSocket("viewing", function (p) {
      if (String(p.conversation_id) !== convId || String(p.agent_id) === ds.agent) return;
      var seen = !!viewers[p.agent_id];
      if (p.is_viewing) viewers[p.agent_id] = p.name; else delete viewers[p.agent_id];
      showViewers();
      // Answer a newcomer once, so they see us too.
      if (p.is_viewing && !seen && socket && !document.body.dataset.readOnly) {
        socket.emit("viewing", { conversation_id: Number(convId), is_viewing: true });
      }
    });
    onSocket("new_message", addMessage);
    // A reply the conversation's channel (email, WhatsApp, Telegram, API) could not deliver.
    onSocket("delivery_failed", function (p) {
      if (String(p.conversation_id) !== convId) return;
      var li = document.querySelector('#messages [data-message-id="' + p.message_id + '"]');
      if (!li || li.querySelector(".delivery-failed")) return;
      var note = document.createElement("p");
      note.className = "delivery-failed";
      note.setAttribute("role", "status");
      note.textContent = "Not delivered: " + p.reason;
      li.appendChild(note);
      setReceipt(p.message_id, "failed");
    });
    // The channel accepted a reply: "sent by email" until a delivered/read receipt.
    onSocket("channel_sent", function (p) {
      if (String(p.conversation_id) !== convId) return;
      var r = list.querySelector('[data-message-id="' + Number(p.message_id) + '"] .receipt');
      if (!r || r.classList.contains("receipt-read") || r.classList.contains("receipt-delivered")) return;
      setReceipt(p.message_id, "sent_channel", "sent " + (channelWords[p.channel] || ""));
    });
    onSocket("typing", function (p) {
      if (String(p.conversation_id) !== convId) return;
      var fromCustomer = p.sender_type ? p.sender_type === "customer" : String(p.user_id) !== ds.agent;
      if (fromCustomer) { showTyping(!!p.is_typing); return; }
      // A colleague composing in the same conversation (collision detection).
      if (p.sender_type === "agent" && String(p.user_id) !== ds.agent) {
        var el = document.getElementById("colleague-typing");
        el.textContent = (agentNames[p.user_id] || "A colleague") + " is typing a reply…";
        el.hidden = !p.is_typing;
        clearTimeout(colleagueHide);
        if (p.is_typing) colleagueHide = setTimeout(function () { el.hidden = true; }, 8000);
      }
    });
    var colleagueHide = null;
    onSocket("delivered", function (p) {
      if (String(p.conversation_id || convId) === convId && p.reader !== "agent") setReceipt(p.message_id, "delivered");
    });
    onSocket("read", function (p) {
      if (String(p.conversation_id || convId) === convId && p.reader !== "agent") setReceipt(p.message_id, "read");
    });
    // Someone else changed status or assignee: re-render the details and action buttons
    // from the server (Django-escaped HTML, parsed inertly, never scripts).
    var detailsTimer = null;
    window.PingBackInbox.refreshDetails = function () { refreshDetails(); };
    function refreshDetails() {
      clearTimeout(detailsTimer);
      detailsTimer = setTimeout(function () {
        fetch(location.pathname, { credentials: "same-origin" })
          .then(function (r) {
            if (r.status === 404) { goneFromView(); throw new Error("gone"); }
            if (!r.ok) throw new Error(r.status);
            return r.text();
          })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            [".details", ".thread-head", "#conv-banner"].forEach(function (sel) {
              var fresh = doc.querySelector(sel);
              var old = document.querySelector(sel);
              if (fresh && old && (sel === ".thread-head" || !old.contains(document.activeElement))) {
                old.replaceWith(document.importNode(fresh, true));
              }
            });
          })
          .catch(function () {});
      }, 50);
    }
    // The conversation left this agent's view (taken over, reassigned): say so, keep the
    // history on screen, and make the page read-only.
    var lastAssignee = null;
    function goneFromView() {
      if (document.body.dataset.readOnly) return;
      document.body.dataset.readOnly = "true";
      var banner = document.getElementById("conv-banner");
      var who = lastAssignee ? lastAssignee + " now handles this conversation" : "This conversation was reassigned";
      banner.textContent = who + ", so it left your inbox. You can read what is here but no longer reply or change it.";
      banner.hidden = false;
      banner.className = "banner banner-gone";
      composer.querySelectorAll("textarea, button").forEach(function (el) { el.disabled = true; });
      document.querySelectorAll(".details form button, .details form select").forEach(function (el) { el.disabled = true; });
      var assignee = document.getElementById("conv-assignee");
      if (assignee && lastAssignee) assignee.textContent = lastAssignee;
      if (socket) socket.emit("leave_conversation", { conversation_id: Number(convId) });
    }
    onSocket("conversation_status_changed", function (p) {
      if (String(p.conversation_id) !== convId) return;
      var badge = document.getElementById("conv-status");
      badge.textContent = p.status;
      badge.className = "badge badge-" + p.status;
      refreshDetails();
    });
    onSocket("conversation_assigned", function (p) {
      if (String(p.conversation_id) !== convId) return;
      lastAssignee = p.assignee_name || null;
      document.getElementById("conv-assignee").textContent = p.assignee_name || "unassigned";
      // The light message read answers first: a 404 there means it left this agent's view.
      fetchAfter(lastId).catch(function () {});
      refreshDetails();
    });
    // Without a socket, poll for messages so nothing is missed.
    setInterval(function () { if (!channels.socket) catchUp(); }, 4000);

    // Our own typing, sent to the widget.
    var typing = false;
    var typingStop = null;
    function sendTyping(on) {
      if (!socket || !socket.connected || typing === on) return;
      typing = on;
      socket.emit("typing", { conversation_id: Number(convId), user_id: Number(ds.agent), is_typing: on });
    }
    var maxLength = Number(textarea.dataset.maxLength || 5000);
    var counter = document.getElementById("reply-count");
    function showSendError(text) { sendError.textContent = text; sendError.hidden = false; }
    function updateCounter() {
      var n = textarea.value.length;
      counter.textContent = n + " / " + maxLength;
      counter.classList.toggle("over", n > maxLength);
      if (n > maxLength) showSendError("Too long by " + (n - maxLength) + " characters: the limit is " + maxLength + ".");
      else if (sendError.textContent.indexOf("Too long") === 0) sendError.hidden = true;
    }
    updateCounter();
    textarea.addEventListener("input", function () {
      updateCounter();
      sendTyping(textarea.value.trim() !== "");
      clearTimeout(typingStop);
      typingStop = setTimeout(function () { sendTyping(false); }, 3000);
    });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        composer.requestSubmit();
      }
    });

    composer.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = textarea.value;
      if (document.body.dataset.readOnly) return;
      if (!text.trim()) { showSendError("Write a message first: a reply of only spaces is not sent."); return; }
      if (text.length > maxLength) {
        showSendError("Your reply is " + text.length + " characters long; the limit is " + maxLength + ". Shorten it or send it in two parts.");
        return;
      }
      var clientId = uuid();
      var optimistic = renderMessage({
        sender_type: "agent", sender_agent_id: Number(ds.agent), content: text, client_id: clientId,
        conversation_id: Number(convId),
      });
      var empty = document.getElementById("no-messages");
      if (empty) empty.remove();
      list.append(optimistic); scrollDown();
      textarea.value = ""; sendError.hidden = true; updateCounter();
      sendTyping(false);
      function attempt(n) {
        return postForm(composer, { content: text, client_id: clientId }).then(function (body) {
          var m = body.message;
          var dup = list.querySelector('[data-message-id="' + Number(m.id) + '"]');
          if (dup && dup !== optimistic) optimistic.remove();
          else { renderMessage(m, optimistic); fetchAfter(m.id - 1).catch(function () {}); }
        }, function (err) {
          // Network errors retry with the same client id: the server stores it once.
          if (n < 2 && err instanceof TypeError) return attempt(n + 1);
          optimistic.remove();
          if (!textarea.value) textarea.value = text;
          showSendError("Not sent: " + networkError(err));
          updateCounter();
          if (err.status === 404) goneFromView();
        });
      }
      attempt(0);
    });
    scrollDown();
    // Opening the page reads it: a POST (the GET that rendered it changes nothing).
    if (lastId) markRead(lastId);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && lastId) markRead(lastId);
    });
  }

})();
