/* Settings → Widget: the preview (an iframe with the real widget) follows the form as you type. */
(function () {
  "use strict";
  var form = document.getElementById("widget-form");
  var frame = document.getElementById("widget-preview");
  if (!form || !frame) return;
  var saved = JSON.parse(document.getElementById("pb-widget-config").textContent);
  var allTexts = JSON.parse(document.getElementById("pb-widget-texts").textContent);
  function value(name) { var f = form.elements[name]; return f ? f.value : ""; }
  function update() {
    var widget = frame.contentWindow && frame.contentWindow.PingBackWidget;
    if (!widget) return;
    var language = value("language") || saved.language;
    var texts = allTexts[language] || saved.texts;
    widget.applyConfig(Object.assign({}, saved, {
      language: language,
      texts: texts,
      color: value("color") || saved.color,
      position: value("position") || saved.position,
      title: value("title").trim() || texts.title,
      greeting: value("greeting").trim() || texts.greeting,
      launcher_text: value("launcher_text").trim() || texts.launcher,
      prechat: { name: value("prechat_name"), email: "required" },
    }));
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
