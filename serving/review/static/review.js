// Keyboard shortcuts for the review page. Every action also works without JavaScript
// (links and submit buttons); this only adds keys. Keys never fire while typing in a field.
(function () {
  "use strict";
  var help = document.getElementById("help");
  var status = document.getElementById("status");
  var chosen = document.querySelector('.level-button[aria-pressed="true"]');
  var submitting = false;

  function announce(text) {
    if (status) { status.textContent = text; }
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) { return true; }
    if (tag === "INPUT") {
      return ["radio", "checkbox", "submit", "button", "hidden"].indexOf(target.type) < 0;
    }
    return false;
  }

  function toggleHelp() {
    if (!help) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }

  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.getAttribute("href"); }
  }

  function queueKeys(event) {
    var links = Array.prototype.slice.call(document.querySelectorAll("a.queue-link"));
    if (!links.length) { return; }
    var at = links.indexOf(document.activeElement);
    if (event.key === "j") {
      event.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === "k") {
      event.preventDefault();
      links[Math.max(at - 1, 0)].focus();
    }
  }

  // The focused reason is the selected one, so Enter right away saves what the page shows.
  function chooseLevel(button) {
    var buttons = document.querySelectorAll(".level-button");
    Array.prototype.forEach.call(buttons, function (b) { b.setAttribute("aria-pressed", "false"); });
    button.setAttribute("aria-pressed", "true");
    chosen = button;
    var reason = document.querySelector("input[name=reason]:checked") ||
      document.querySelector("input[name=reason]");
    if (reason) {
      reason.checked = true;
      reason.focus();
    }
    announce("Override to " + button.value + ": choose a reason with the arrow keys, then press Enter.");
  }

  function saveChosen(form) {
    var reason = document.querySelector("input[name=reason]:checked");
    if (!reason && document.querySelector("input[name=reason]")) {
      document.querySelector("input[name=reason]").focus();
      announce("Choose a reason with the arrow keys first, then press Enter.");
      return;
    }
    form.requestSubmit(chosen);
  }

  // One review per page: a second click, Enter or `a` while the first is on its way is ignored
  // (it would only meet the review just stored).
  function guardSubmits(form) {
    form.addEventListener("submit", function (event) {
      if (submitting) { event.preventDefault(); return; }
      submitting = true;
      form.setAttribute("aria-busy", "true");
      announce("Saving…");
      // Disabled after the browser has read the form, so the pressed button's value is sent.
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
          b.disabled = true;
        });
      }, 0);
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }  // back from the next page: usable again
      submitting = false;
      form.removeAttribute("aria-busy");
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
        b.disabled = false;
      });
    });
  }

  function detailKeys(event) {
    var form = document.getElementById("review-form");
    if (!form) { return; }
    if (submitting) { return; }
    if (event.key === "a") {
      event.preventDefault();
      form.requestSubmit(document.getElementById("accept"));
    } else if (/^[1-5]$/.test(event.key)) {
      var button = document.querySelector('.level-button[data-key="' + event.key + '"]');
      if (button) { event.preventDefault(); chooseLevel(button); }
    } else if (event.key === "Enter" && chosen && event.target.tagName !== "BUTTON") {
      event.preventDefault();
      saveChosen(form);
    } else if (event.key === "j") {
      event.preventDefault();
      go("next");
    } else if (event.key === "k") {
      event.preventDefault();
      go("prev");
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (help && help.open) {
      if (event.key === "?") { event.preventDefault(); help.close(); }
      return;
    }
    if (typing(event.target)) { return; }
    if (event.key === "?") { event.preventDefault(); toggleHelp(); return; }
    var page = document.body.getAttribute("data-page");
    if (page === "queue") { queueKeys(event); }
    if (page === "detail") { detailKeys(event); }
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-help]"), function (button) {
    button.addEventListener("click", toggleHelp);
  });
  // Due and received times arrive in UTC; agents read them in their own time zone.
  function localTimes() {
    var format;
    try {
      format = new Intl.DateTimeFormat("en-GB", {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
        hourCycle: "h23", timeZoneName: "short"
      });
    } catch (e) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("time[data-utc]"), function (node) {
      var moment = new Date(node.getAttribute("datetime"));
      if (isNaN(moment.getTime())) { return; }
      var part = {};
      format.formatToParts(moment).forEach(function (p) { part[p.type] = p.value; });
      node.title = node.textContent;
      node.textContent = part.year + "-" + part.month + "-" + part.day + " " + part.hour + ":" +
        part.minute + " " + part.timeZoneName;
    });
  }
  localTimes();

  // Date fields mean days in the agent's time zone: each such form sends it (field `tz`) and
  // says which zone it is; links to the dashboard send it too, for its days per chart point.
  // Without JavaScript all stay UTC.
  function agentZone() {
    var zone;
    try { zone = new Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    var param = "tz=" + encodeURIComponent(zone);
    var chart = document.querySelector("[data-chart-zone]");
    // Opened without ?tz= (a bookmark, back from sign-in): counted in UTC, so ask once more.
    if (chart && chart.getAttribute("data-chart-zone") !== zone &&
        !/[?&]tz=/.test(window.location.search)) {
      window.location.replace(window.location.pathname +
        (window.location.search ? window.location.search + "&" : "?") + param +
        window.location.hash);
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("a[data-zone-link]"), function (node) {
      var href = node.getAttribute("href");
      node.setAttribute("href", href + (href.indexOf("?") < 0 ? "?" : "&") + param);
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[data-agent-zone]"), function (node) {
      node.value = zone;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-zone-name]"), function (node) {
      node.textContent = zone;
    });
  }
  agentZone();

  // A review sent after the session ended is not saved; sign-in comes back to the ticket, and
  // the level, reason and note sent are put back (kept in this tab only, used once).
  function draftKey(form) { return "tp-review-draft:" + form.getAttribute("action").split("?")[0]; }

  function keepDraft(form, submitter) {
    var reason = form.querySelector("input[name=reason]:checked");
    var draft = {
      level: submitter && submitter.name === "level" ? submitter.value : "",
      reason: reason ? reason.value : "",
      note: form.elements.note ? form.elements.note.value : ""
    };
    try { window.sessionStorage.setItem(draftKey(form), JSON.stringify(draft)); } catch (e) { }
  }

  function restoreDraft(form) {
    var draft;
    try {
      draft = JSON.parse(window.sessionStorage.getItem(draftKey(form)) || "null");
      window.sessionStorage.removeItem(draftKey(form));
    } catch (e) { return; }
    // Reviewed meanwhile, or the server already answered the form with it (an error page).
    if (!draft || form.querySelector("input[name=force]") || document.getElementById("error")) {
      return;
    }
    if (draft.note && form.elements.note && !form.elements.note.value) {
      form.elements.note.value = draft.note;
    }
    var reason = draft.reason && form.querySelector('input[name=reason][value="' + draft.reason + '"]');
    if (reason) { reason.checked = true; }
    var level = draft.level && form.querySelector('.level-button[value="' + draft.level + '"]');
    if (level) {
      Array.prototype.forEach.call(form.querySelectorAll(".level-button"), function (b) {
        b.setAttribute("aria-pressed", "false");
      });
      level.setAttribute("aria-pressed", "true");
      chosen = level;
    }
    if (status && (draft.note || reason || level)) {
      status.setAttribute("data-message", "Your unsaved review was put back" +
        (level ? " (override to " + level.value + ")" : "") + ": check it and save again.");
    }
  }

  var reviewForm = document.getElementById("review-form");
  if (reviewForm) {
    restoreDraft(reviewForm);
    reviewForm.addEventListener("submit", function (event) { keepDraft(reviewForm, event.submitter); });
    guardSubmits(reviewForm);
  }
  // The server's message ("Saved. Accepted high.") is put into the live region after load, so
  // screen readers announce it; text already there when the page loads is not announced.
  if (status && status.getAttribute("data-message")) {
    window.setTimeout(function () { announce(status.getAttribute("data-message")); }, 150);
  }
  var error = document.getElementById("error");
  if (error) {
    error.focus();
    // A form answered with an error is a POST result: without this, Back to it from the next
    // page (or Reload) is the browser's "Confirm form resubmission" page instead of the ticket.
    if (window.history.replaceState) { window.history.replaceState(null, "", window.location.href); }
  }
})();
