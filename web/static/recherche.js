// Suggestions for the address field of the search page, as the ARIA 1.2
// combobox pattern describes (an input with a list box): communes and
// lieux from /api/v1/suggest as the person types. Arrow keys move in the
// list, Enter picks, Escape closes; picking a commune writes « code
// postal + nom » in the field (which the server reads without doubt),
// picking a lieu opens its page. Without this script the field is a plain
// text input and the form works the same.
(function () {
  "use strict";
  var input = document.getElementById("adresse");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.createElement("ul");
  var live = document.createElement("p");
  var options = [];
  var active = -1;
  var timer = null;
  var asked = "";

  list.id = "adresse-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  input.parentNode.insertBefore(list, input.nextSibling);
  input.parentNode.appendChild(live);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function label(s) {
    if (s.kind === "commune") {
      var cp = s.codes_postaux && s.codes_postaux.length ? s.codes_postaux[0] : "";
      return { text: s.nom + (cp ? " (" + cp + ")" : ""), note: s.lieux === 1 ? "1 lieu" : s.lieux + " lieux" };
    }
    return { text: s.nom, note: [s.code_postal, s.commune].join(" ").trim() };
  }

  function show(data) {
    options = [];
    list.textContent = "";
    (data.communes || []).forEach(function (c) { c.kind = "commune"; options.push(c); });
    (data.lieux || []).forEach(function (l) { l.kind = "lieu"; options.push(l); });
    options.forEach(function (s, i) {
      var li = document.createElement("li");
      var l = label(s);
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = s.kind;
      li.textContent = l.text;
      if (l.note) {
        var note = document.createElement("span");
        note.className = "note";
        note.textContent = " · " + l.note;
        li.appendChild(note);
      }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
      list.appendChild(li);
    });
    if (!options.length) {
      close();
      live.textContent = "Aucune suggestion";
      return;
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    live.textContent = options.length === 1 ? "1 suggestion" : options.length + " suggestions";
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2 || text === asked) {
      if (text.length < 2) { close(); }
      return;
    }
    asked = text;
    fetch("/api/v1/suggest?limit=6&q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { communes: [], lieux: [] }; })
      .then(function (data) { if (input.value.trim() === text) { show(data); } })
      .catch(close);
  }

  function move(to) {
    if (list.hidden || !options.length) {
      return;
    }
    if (active >= 0) { list.children[active].setAttribute("aria-selected", "false"); }
    active = (to + options.length) % options.length;
    var li = list.children[active];
    li.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({ block: "nearest" });
  }

  function pick(i) {
    var s = options[i];
    if (!s) {
      return;
    }
    close();
    if (s.kind === "lieu") {
      window.location.href = "/lieux/" + encodeURIComponent(s.id);
      return;
    }
    input.value = ((s.codes_postaux && s.codes_postaux[0] ? s.codes_postaux[0] + " " : "") + s.nom).trim();
    asked = input.value;
    live.textContent = s.nom + " choisie";
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (e) {
    switch (e.key) {
    case "ArrowDown":
      if (list.hidden) { asked = ""; ask(); } else { move(active + 1); }
      e.preventDefault();
      break;
    case "ArrowUp":
      move(active - 1);
      e.preventDefault();
      break;
    case "Enter":
      if (!list.hidden && active >= 0) { pick(active); e.preventDefault(); }
      break;
    case "Escape":
      if (!list.hidden) { close(); e.preventDefault(); }
      break;
    }
  });
  input.addEventListener("blur", close);
})();
