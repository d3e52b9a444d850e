/* Xietong operator console: live calls by polling, the caller's screen pop,
 * address suggestions, open cases nearby and possible duplicates.
 * Plain JavaScript, no library, nothing loaded from outside (DESIGN principle 7).
 * Everything from the server is put in the page as text, never as HTML.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var root = document.getElementById("console");
  if (!root) { return; }
  var text = JSON.parse(document.getElementById("console-text").textContent);
  var urls = root.dataset;
  var form = document.getElementById("call-form");
  var field = function (name) { return form.elements[name]; };
  var noteForm = document.getElementById("note-form");
  var list = document.getElementById("call-list");
  var calls = [];
  var selectedId = field("call_id").value || null;
  var selectedNumber = null;
  var stopped = false;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function fill(template, value) { return template.replace("{n}", value); }

  function query(url, params) {
    var search = new URLSearchParams(params).toString();
    return url + (search ? "?" + search : "");
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") < 0) {
          var error = new Error("signed out");
          error.signedOut = true;
          throw error;
        }
        return response.json();
      });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function showError(message) {
    var box = $("poll-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  /* -- live calls -------------------------------------------------------- */

  function stateText(call) {
    if (call.case) { return fill(text.logged, call.case); }
    if (call.waiting_for_operator) { return text.waiting; }
    if (call.status === "ringing") { return text.ringing; }
    if (call.status === "in-progress") { return text.in_progress; }
    if (call.status === "queued") { return text.queued; }
    return text.ended;
  }

  function renderCalls() {
    list.textContent = "";
    calls.forEach(function (call, index) {
      var button = el("button", {
        type: "button",
        "data-call-id": String(call.id),
        "aria-pressed": String(String(call.id) === String(selectedId)),
        title: index < 9 ? "Alt+" + (index + 1) : ""
      }, [
        el("span", { className: "hotline", text: call.hotline }),
        el("span", { className: "number", text: call.from_number }),
        el("span", { className: "state" }, [
          el("time", { text: call.started_local, datetime: call.started_at }),
          document.createTextNode(" · " + stateText(call))
        ])
      ]);
      button.addEventListener("click", function () { selectCall(call, true); });
      var item = el("li", {
        id: "call-" + call.id,
        className: "call status-" + call.status + (call.waiting_for_operator ? " waiting" : "")
      }, [button]);
      list.appendChild(item);
    });
    $("no-calls").hidden = calls.length > 0;
    $("call-count").textContent = calls.length ? "(" + calls.length + ")" : "";
  }

  function pristine() {
    return !field("description").value.trim() && !field("address").value.trim();
  }

  function poll() {
    if (stopped) { return; }
    getJSON(urls.callsUrl).then(function (data) {
      showError("");
      calls = data.calls;
      renderCalls();
      var selected = calls.filter(function (c) { return String(c.id) === String(selectedId); })[0];
      if (selected && selectedNumber === null) {
        selectCall(selected, false);  // the call the page was opened with
      } else if (!selectedId && pristine()) {
        // The screen pop: a new call the operator has not started on opens itself.
        var fresh = calls.filter(function (c) { return !c.case; })[0];
        if (fresh) { selectCall(fresh, false); }
      }
    }).catch(function (error) {
      if (error.signedOut) {
        stopped = true;
        showError(text.signed_out);
      } else {
        showError(text.offline);
      }
    }).then(function () {
      if (!stopped) { setTimeout(poll, POLL_MS); }
    });
  }

  function selectCall(call, byHand) {
    var previous = selectedNumber;
    selectedId = call ? String(call.id) : null;
    selectedNumber = call ? call.from_number : "";
    field("call_id").value = selectedId || "";
    $("note_call_id").value = selectedId || "";
    var phone = field("phone");
    if (!phone.value.trim() || phone.value === previous) {
      phone.value = call && /^\+?\d{5,}$/.test(call.from_number) ? call.from_number : "";
    }
    $("caller").textContent = call
      ? call.from_number + " · " + fill(text.hotline, call.hotline)
      : text.no_call;
    Array.prototype.forEach.call(list.querySelectorAll("button[data-call-id]"), function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.callId === selectedId));
    });
    var address = new URL(window.location.href);
    if (selectedId) { address.searchParams.set("call", selectedId); }
    else { address.searchParams.delete("call"); }
    ["saved", "noted"].forEach(function (key) { address.searchParams.delete(key); });
    window.history.replaceState(null, "", address.toString());
    loadHistory(call ? call.from_number : null);
    checkDuplicates();
    if (byHand) { field("category").focus(); }
  }

  /* -- screen pop: history and nearby cases ------------------------------ */

  function caseTable(cases, id, addTo) {
    var head = [text.tracking, text.category, text.status, text.date, text.address];
    if (addTo) { head.push(""); }
    var body = el("tbody", {}, cases.map(function (c) {
      var cells = [
        el("td", {}, [el("a", { href: c.url, target: "_blank", rel: "noopener", text: c.tracking_number })]),
        el("td", { text: c.category }),
        el("td", {}, [el("span", { className: "status status-" + c.status, text: c.status_label })]),
        el("td", { text: c.created }),
        el("td", { text: c.address })
      ];
      if (addTo) {
        var reasons = (c.reasons || []).map(function (r) {
          return r === "phone" ? text.same_phone : text.same_address;
        }).join("、");
        cells.push(el("td", {}, [
          el("button", {
            type: "submit", form: "note-form", name: "tracking_number",
            value: c.tracking_number, className: "button secondary add-to", text: text.add_to
          }),
          reasons ? el("small", { className: "help", text: " " + reasons }) : null
        ]));
      }
      return el("tr", { className: "case-" + c.status, "data-tracking-number": c.tracking_number }, cells);
    }));
    return el("table", { className: "cases", id: id }, [
      el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { text: h }); }))]),
      body
    ]);
  }

  function loadHistory(number) {
    var box = $("history");
    if (number === null) {
      box.textContent = "";
      box.appendChild(el("p", { className: "empty", text: text.no_call }));
      return;
    }
    if (!number) {
      box.textContent = "";
      box.appendChild(el("p", { className: "empty", id: "history-empty", text: text.withheld }));
      return;
    }
    getJSON(query(urls.historyUrl, { phone: number })).then(function (data) {
      if (number !== selectedNumber) { return; }  // another call was selected meanwhile
      box.textContent = "";
      if (!data.phone) {
        box.appendChild(el("p", { className: "empty", id: "history-empty", text: text.withheld }));
      } else if (!data.cases || !data.cases.length) {
        box.appendChild(el("p", { className: "empty", id: "history-empty", text: text.no_history }));
      } else {
        box.appendChild(caseTable(data.cases, "history-cases", false));
      }
    }).catch(function () { showError(text.offline); });
  }

  function loadNearby() {
    var address = field("address").value.trim();
    var box = $("nearby");
    if (!address) {
      box.textContent = "";
      $("nearby-community").textContent = "";
      box.appendChild(el("p", { className: "empty", text: text.type_address }));
      return;
    }
    getJSON(query(urls.nearbyUrl, { address: address })).then(function (data) {
      if (address !== field("address").value.trim()) { return; }
      box.textContent = "";
      $("nearby-community").textContent = data.community ? "(" + data.community + ")" : "";
      if (data.cases.length) { box.appendChild(caseTable(data.cases, "nearby-cases", false)); }
      else { box.appendChild(el("p", { className: "empty", id: "nearby-empty", text: text.no_nearby })); }
    }).catch(function () { showError(text.offline); });
  }

  function suggestAddresses() {
    var typed = field("address").value.trim();
    var datalist = $("address-suggestions");
    if (!typed) { datalist.textContent = ""; return; }
    getJSON(query(urls.addressesUrl, { q: typed })).then(function (data) {
      datalist.textContent = "";
      data.suggestions.forEach(function (s) {
        datalist.appendChild(el("option", { value: s.value, label: s.label + " · " + s.community }));
      });
    }).catch(function () { /* suggestions are a help, not a need */ });
  }

  /* -- possible duplicates ----------------------------------------------- */

  function checkDuplicates() {
    var params = {
      phone: field("phone").value.trim(),
      address: field("address").value.trim(),
      category: field("category").value
    };
    if (!params.phone && !(params.address && params.category)) { return; }
    getJSON(query(urls.duplicatesUrl, params)).then(function (data) {
      var box = $("duplicates");
      var target = $("duplicate-list");
      target.textContent = "";
      if (data.duplicates && data.duplicates.length) {
        target.appendChild(caseTable(data.duplicates, "duplicate-cases", true));
        box.hidden = false;
      } else if (!$("save-anyway")) {
        box.hidden = true;
      }
    }).catch(function () { /* the server checks again when the call is saved */ });
  }

  /* -- wiring --------------------------------------------------------------- */

  var addressChanged = debounce(function () { suggestAddresses(); loadNearby(); checkDuplicates(); }, 200);
  field("address").addEventListener("input", addressChanged);
  field("category").addEventListener("change", checkDuplicates);
  field("phone").addEventListener("change", function () {
    loadHistoryFor(field("phone").value.trim());
    checkDuplicates();
  });

  function loadHistoryFor(number) {
    if (!number) { return; }
    selectedNumber = number;
    loadHistory(number);
  }

  // "Add the call to this case": fill the note form and let the operator confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.add-to") : null;
    if (!button) { return; }
    event.preventDefault();
    noteForm.elements.tracking_number.value = button.value;
    if (!noteForm.elements.text.value.trim()) {
      noteForm.elements.text.value = field("description").value;
    }
    noteForm.scrollIntoView({ block: "nearest" });
    noteForm.elements.text.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var digit = /^Digit(\d)$/.exec(event.code || "");
    if (!digit) { return; }
    var n = Number(digit[1]);
    event.preventDefault();
    if (n === 0) { selectCall(null, true); return; }
    if (calls[n - 1]) { selectCall(calls[n - 1], true); }
  });

  if (field("address").value.trim()) { loadNearby(); }
  poll();
}());
