/* PingBack inbox: team tools on top of inbox.js (window.PingBackInbox).
 * - private notes: the note form posts with fetch; notes (own or a colleague's) are fetched
 *   as the server's partial (templates/inbox/partials/notes.html) after a note_created push;
 * - @mentions: a "mentioned" push notifies on any inbox page;
 * - labels: a colleague's label change re-renders the details pane.
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
