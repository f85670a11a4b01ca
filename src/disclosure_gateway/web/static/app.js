// Disclosure Gateway staff console: live progress of a running batch. Vanilla JS only:
// no third-party script runs in a system that holds federal tax information.
(function () {
  "use strict";
  var POLL_MS = 2000;

  function setField(root, name, value) {
    var nodes = document.querySelectorAll('[data-batch-field="' + name + '"]');
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].tagName === "PROGRESS") { continue; }
      nodes[i].textContent = String(value);
    }
  }

  function update(root, data) {
    var done = Number(data.rows_done || 0);
    var total = Number(data.record_count || 0);
    setField(root, "rows_done", done);
    setField(root, "record_count", total);
    setField(root, "state", data.state || "");
    if (typeof data.rate === "number") { setField(root, "rate", data.rate.toFixed(1)); }
    var bar = document.querySelector('progress[data-batch-field="progress"]');
    if (bar) { bar.max = total || 1; bar.value = done; }
    var before = root.getAttribute("data-state");
    root.setAttribute("data-state", data.state || "");
    if (data.state === "DONE" && before !== "DONE") { window.location.reload(); return false; }
    return data.state !== "DONE";
  }

  function poll(root) {
    var id = root.getAttribute("data-batch-id");
    var url = "/api/v1/batches/" + encodeURIComponent(id);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { if (update(root, data)) { window.setTimeout(function () { poll(root); }, POLL_MS); } })
      .catch(function () {
        setField(root, "live", "Live updates paused (the server did not answer); reload to retry.");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-batch-progress]");
    if (root && root.getAttribute("data-state") !== "DONE") { window.setTimeout(function () { poll(root); }, POLL_MS); }
  });
})();
