/* The "New conversation" channel picker: when the agent names a customer (id or email), each
 * channel says where it reaches them or why it cannot (teamtools.queries.channel_options). */
(function () {
  "use strict";
  var input = document.getElementById("id_customer");
  var select = document.getElementById("id_channel_type");
  var status = document.getElementById("channel-reach");
  if (!input || !select) return;
  var asked = 0;
  function refresh() {
    var ask = ++asked;
    var url = window.location.pathname + "?customer=" + encodeURIComponent(input.value.trim());
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || ask !== asked) return;
        var current = select.value;
        select.replaceChildren();
        data.channels.forEach(function (c) {
          var option = document.createElement("option");
          option.value = c.value;
          option.textContent = c.label + (c.detail ? " — " + c.detail : "");
          option.disabled = !c.reachable;
          select.append(option);
        });
        var keep = data.channels.some(function (c) { return c.value === current && c.reachable; });
        var first = data.channels.filter(function (c) { return c.reachable; })[0];
        select.value = keep ? current : (first ? first.value : current);
        status.textContent = data.customer
          ? "Where " + data.customer.name + " can be reached."
          : (input.value.trim() ? "No customer with that id or email: fill in a new one below." : "Type a customer to see where they can be reached.");
      })
      .catch(function () {});
  }
  input.addEventListener("change", refresh);
})();
