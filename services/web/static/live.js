// Live updates of the dashboard: listens to /events (Server-Sent Events from the alerts
// stream), puts each new alert at the top of the feed, and refreshes the panels that depend
// on it. Works without this script too: the pages are complete as served.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var url = main && main.getAttribute("data-live");
  var status = document.getElementById("live-status");
  if (!url || !window.EventSource) { return; }

  function say(text, on) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("on", !!on);
  }

  var pending = null;
  function refreshPanels() {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () {
      pending = null;
      document.querySelectorAll("[data-refresh]").forEach(function (panel) {
        fetch(panel.getAttribute("data-refresh"), { headers: { Accept: "text/html" } })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            var open = Array.prototype.map.call(
              panel.querySelectorAll("details[open] > summary"), function (s) { return s.textContent; });
            panel.innerHTML = html;
            panel.querySelectorAll("details > summary").forEach(function (s) {
              if (open.indexOf(s.textContent) >= 0) { s.parentNode.open = true; }
            });
          })
          .catch(function () { say("Live (a panel could not refresh)", true); });
      });
    }, 250);
  }

  function addAlert(message) {
    var feed = document.getElementById("feed");
    if (!feed || document.getElementById("alert-" + message.id)) { return; }
    var holder = document.createElement("template");
    holder.innerHTML = message.html.trim();
    var item = holder.content.firstElementChild;
    if (!item) { return; }
    item.classList.add("fresh");
    feed.insertBefore(item, feed.firstElementChild);
    var empty = document.getElementById("feed-empty");
    if (empty) { empty.remove(); }
  }

  var source = new EventSource(url);
  source.addEventListener("open", function () { say("Live", true); });
  source.addEventListener("error", function () { say("Reconnecting…", false); });
  source.addEventListener("alert", function (event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    addAlert(message);
    refreshPanels();
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
