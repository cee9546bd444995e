/* Inbox attachments: upload from the composer (file picker, drag and drop, paste) with a
 * preview and progress, inline image previews and file cards in the thread, and a lightbox.
 * Uploads go to /attachments/inbox/c/<id>/upload (session + CSRF); Send then posts the
 * caption and the attachment ids to /attachments/inbox/c/<id>/send. inbox.js calls
 * PingBackAttachments.render(m) for live messages that carry attachments.
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function formatSize(n) {
    return n < 1024 ? n + " B" : (n < 1048576 ? Math.round(n / 1024) + " kB" : (n / 1048576).toFixed(1) + " MB");
  }

  function render(m) {
    var box = el("div", "attachment-message");
    var files = el("div", "attachments");
    (m.attachments || []).forEach(function (a) {
      if (a.thumbnail_url) {
        var link = el("a", "attachment-image");
        link.href = a.url; link.dataset.full = a.url; link.dataset.name = a.name;
        var img = el("img"); img.src = a.thumbnail_url; img.alt = a.name;
        link.append(img);
        files.append(link);
      } else {
        var card = el("a", "attachment-file");
        card.href = a.url + "?download=1"; card.setAttribute("download", a.name);
        card.append(el("span", "attachment-name", a.name), " ", el("span", "attachment-size", formatSize(a.size)));
        files.append(card);
      }
    });
    box.append(files);
    if (m.text) box.append(el("p", "content", m.text));
    return box;
  }

  // --- lightbox ---
  var lightbox = null;
  function openLightbox(src, name) {
    if (!lightbox) {
      lightbox = el("dialog", "lightbox");
      lightbox.setAttribute("aria-label", "Image");
      var img = el("img");
      var close = el("button", "lightbox-close", "×");
      close.type = "button"; close.setAttribute("aria-label", "Close");
      close.addEventListener("click", function () { lightbox.close(); });
      lightbox.addEventListener("click", function (e) { if (e.target === lightbox) lightbox.close(); });
      lightbox.append(close, img);
      document.body.append(lightbox);
    }
    var image = lightbox.querySelector("img");
    image.src = src; image.alt = name || "";
    lightbox.showModal();
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.attachment-image");
    if (!link) return;
    e.preventDefault();
    openLightbox(link.dataset.full, link.dataset.name);
  });

  // --- composer ---
  function setUp() {
    var composer = document.getElementById("composer");
    var convId = document.body.dataset.conversation;
    if (!composer || !convId) return;
    var base = "/attachments/inbox/c/" + convId;
    var csrf = composer.querySelector("[name=csrfmiddlewaretoken]").value;
    var textarea = composer.querySelector("textarea");
    var errorEl = document.getElementById("send-error");
    var picker = el("input"); picker.type = "file"; picker.multiple = true; picker.hidden = true;
    picker.id = "attach-input";
    var button = el("button", "attach", "Attach");
    button.type = "button"; button.setAttribute("aria-label", "Attach files");
    var tray = el("ul", "attach-tray"); tray.setAttribute("aria-label", "Files to send");
    composer.insertBefore(tray, composer.firstChild);
    composer.append(button, picker);
    var pending = [];

    function draw() {
      tray.replaceChildren();
      pending.forEach(function (p) {
        var li = el("li", "attach-pending");
        if (p.preview) { var img = el("img"); img.src = p.preview; img.alt = p.file.name; li.append(img); }
        li.append(el("span", "attachment-name", p.file.name));
        var bar = el("progress"); bar.max = 100; bar.value = p.progress; li.append(bar);
        if (p.error) li.append(el("span", "error", p.error));
        var x = el("button", "attach-remove", "×"); x.type = "button";
        x.setAttribute("aria-label", "Remove " + p.file.name);
        x.addEventListener("click", function () { pending.splice(pending.indexOf(p), 1); draw(); });
        li.append(x);
        tray.append(li);
      });
      textarea.required = !pending.length;
    }
    function add(file) {
      var p = { file: file, progress: 0, preview: /^image\//.test(file.type) ? URL.createObjectURL(file) : null };
      pending.push(p); draw();
      var form = new FormData();
      form.append("file", file, file.name || "pasted.png");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", base + "/upload");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      // 100% only once the server has stored and checked the file.
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { p.progress = Math.min(99, Math.round(100 * e.loaded / e.total)); draw(); } };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status === 201 && body) { p.done = body.attachments[0]; p.progress = 100; }
        else p.error = (body && body.message) || "Upload failed.";
        draw(); settled();
      };
      xhr.onerror = function () { p.error = "Upload failed."; draw(); settled(); };
      xhr.send(form);
    }
    function addAll(list) { for (var i = 0; i < list.length; i++) add(list[i]); }
    button.addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () { addAll(picker.files); picker.value = ""; });
    var thread = composer.closest(".thread") || composer;
    thread.addEventListener("dragover", function (e) { e.preventDefault(); thread.classList.add("dropping"); });
    thread.addEventListener("dragleave", function () { thread.classList.remove("dropping"); });
    thread.addEventListener("drop", function (e) {
      e.preventDefault(); thread.classList.remove("dropping");
      if (e.dataTransfer && e.dataTransfer.files.length) addAll(e.dataTransfer.files);
    });
    textarea.addEventListener("paste", function (e) {
      var files = (e.clipboardData && e.clipboardData.files) || [];
      if (files.length) { e.preventDefault(); addAll(files); }
    });
    // With files waiting, Send posts an attachment message (the text is the caption); the
    // message then arrives over the socket like any other.
    var sendWhenSettled = false;
    function uploading() { return pending.some(function (p) { return !p.done && !p.error; }); }
    function settled() { if (sendWhenSettled && !uploading()) { sendWhenSettled = false; send(); } }
    composer.addEventListener("submit", function (e) {
      if (!pending.length) return;
      e.preventDefault(); e.stopImmediatePropagation();
      if (uploading()) { sendWhenSettled = true; return; } // sent as soon as the uploads finish
      send();
    }, true);
    function send() {
      var ready = pending.filter(function (p) { return p.done; });
      if (!ready.length) return;
      var data = new FormData();
      data.append("content", textarea.value);
      ready.forEach(function (p) { data.append("attachments", String(p.done.id)); });
      fetch(base + "/send", {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      }).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.message || "Not sent.");
          pending = []; textarea.value = ""; draw();
          if (errorEl) errorEl.hidden = true;
        });
      }).catch(function (err) {
        if (errorEl) { errorEl.textContent = "Not sent: " + err.message; errorEl.hidden = false; }
      });
    }
  }

  window.PingBackAttachments = { render: render };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
