/* PingBack inbox: team tools on top of inbox.js (window.PingBackInbox).
 * - private notes: the note form posts with fetch; notes (own or a colleague's) are fetched
 *   as the server's partial (templates/inbox/partials/notes.html) after a note_created push;
 * - @mentions: a "mentioned" push notifies on any inbox page;
 * - labels: a colleague's label change re-renders the details pane;
 * - canned responses: "/" in the reply box lists them (server-rendered for this conversation),
 *   arrows choose, Enter or Tab inserts, Escape closes.
 * Data from the server is only put in the page as server-escaped HTML or with textContent.
 */
(function () {
  "use strict";
  var inbox = window.PingBackInbox;
  if (!inbox) return;
  var ds = document.body.dataset;

  inbox.onSocket("mentioned", function (p) {
    var who = p.author_name || "A colleague";
    inbox.notify("on_mention", p.conversation_id + "-" + p.note_id, who + " mentioned you",
      (p.customer_name ? p.customer_name + ": " : "") + p.text);
    var slot = document.getElementById("mention-toast");
    if (!slot) {
      slot = document.createElement("p");
      slot.id = "mention-toast"; slot.className = "banner banner-mention"; slot.setAttribute("role", "status");
      document.getElementById("main").prepend(slot);
    }
    slot.replaceChildren();
    var link = document.createElement("a");
    link.href = "/inbox/c/" + Number(p.conversation_id) + "/";
    link.textContent = who + " mentioned you in a note" + (p.customer_name ? " on " + p.customer_name : "") + ": “" + p.text + "”";
    slot.append(link);
    slot.hidden = false;
  });

  var list = document.getElementById("messages");
  var form = document.getElementById("note-form");
  var convId = ds.conversation;
  if (!list || !form || !convId) return;

  /* ---------- canned responses: "/" in the reply box ---------- */
  var reply = document.getElementById("reply");
  var picker = document.createElement("ul");
  picker.id = "canned-picker"; picker.className = "canned-picker";
  picker.setAttribute("role", "listbox"); picker.setAttribute("aria-label", "Canned responses");
  picker.hidden = true;
  reply.after(picker);
  reply.setAttribute("aria-controls", "canned-picker");
  var choices = [], active = 0, asked = 0, pickTimer = null;
  function slashQuery() {
    var before = reply.value.slice(0, reply.selectionStart);
    var m = /(^|\s)\/([\w-]{0,40})$/.exec(before);
    return m ? { text: m[2], start: before.length - m[2].length - 1 } : null;
  }
  function hidePicker() { picker.hidden = true; choices = []; reply.removeAttribute("aria-activedescendant"); }
  function showChoices(rows) {
    choices = rows; active = 0;
    picker.replaceChildren();
    if (!rows.length) {
      var none = document.createElement("li");
      none.className = "muted"; none.textContent = "No canned response matches.";
      picker.append(none);
    }
    rows.forEach(function (row, i) {
      var li = document.createElement("li");
      li.id = "canned-" + row.id; li.setAttribute("role", "option");
      var code = document.createElement("code"); code.textContent = "/" + row.shortcut;
      var title = document.createElement("span"); title.className = "canned-title"; title.textContent = row.title;
      var text = document.createElement("span"); text.className = "canned-text"; text.textContent = row.content;
      li.append(code, " ", title, text);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); active = i; insertChoice(); });
      picker.append(li);
    });
    picker.hidden = false;
    markActive();
  }
  function markActive() {
    Array.prototype.forEach.call(picker.querySelectorAll("[role=option]"), function (li, i) {
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) reply.setAttribute("aria-activedescendant", li.id);
    });
  }
  function insertChoice() {
    var q = slashQuery(), row = choices[active];
    if (!q || !row) return hidePicker();
    var end = reply.selectionStart;
    reply.value = reply.value.slice(0, q.start) + row.content + reply.value.slice(end);
    var caret = q.start + row.content.length;
    reply.setSelectionRange(caret, caret);
    hidePicker();
    reply.dispatchEvent(new Event("input", { bubbles: true }));
  }
  reply.addEventListener("input", function () {
    var q = slashQuery();
    if (!q) { hidePicker(); return; }
    clearTimeout(pickTimer);
    pickTimer = setTimeout(function () {
      var n = ++asked;
      fetch("/inbox/c/" + Number(convId) + "/canned/?q=" + encodeURIComponent(q.text), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (body) { if (n === asked && slashQuery()) showChoices(body.results); })
        .catch(function () {});
    }, 120);
  });
  // Capture phase: runs before inbox.js's Enter-sends handler on the same textarea.
  reply.addEventListener("keydown", function (e) {
    if (picker.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (choices.length) active = (active + (e.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
      markActive();
    } else if ((e.key === "Enter" || e.key === "Tab") && choices.length) {
      e.preventDefault(); e.stopImmediatePropagation();
      insertChoice();
    } else if (e.key === "Escape") {
      e.preventDefault(); e.stopImmediatePropagation();
      hidePicker();
    }
  }, true);
  reply.addEventListener("blur", function () { setTimeout(hidePicker, 150); });

  var textarea = form.querySelector("textarea");
  var error = document.getElementById("note-error");
  function lastNoteId() {
    var ids = Array.prototype.map.call(list.querySelectorAll("[data-note-id]"), function (li) { return Number(li.dataset.noteId); });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }
  var fetching = null;
  function fetchNotes() {
    if (fetching) return fetching;
    fetching = fetch(form.dataset.notesUrl + "?after=" + lastNoteId(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html.trim()) return;
        var fragment = document.createRange().createContextualFragment(html);
        Array.prototype.slice.call(fragment.children).forEach(function (li) {
          if (list.querySelector('[data-note-id="' + Number(li.dataset.noteId) + '"]')) return;
          var empty = document.getElementById("no-messages");
          if (empty) empty.remove();
          list.append(li);
        });
        list.scrollTop = list.scrollHeight;
      })
      .catch(function () {})
      .then(function () { fetching = null; });
    return fetching;
  }
  inbox.onSocket("note_created", function (p) {
    if (String(p.conversation_id) === convId) fetchNotes();
  });
  inbox.onSocket("conversation_labels_changed", function (p) {
    if (String(p.conversation_id) === convId && inbox.refreshDetails) inbox.refreshDetails();
  });

  textarea.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (document.body.dataset.readOnly) return;
    if (!textarea.value.trim()) { error.textContent = "Write the note first."; error.hidden = false; return; }
    var button = form.querySelector("button");
    button.disabled = true;
    inbox.postForm(form).then(function () {
      textarea.value = ""; error.hidden = true;
      return fetchNotes();
    }, function (err) {
      error.textContent = "Not saved: " + inbox.networkError(err);
      error.hidden = false;
    }).then(function () { button.disabled = false; });
  });
})();
