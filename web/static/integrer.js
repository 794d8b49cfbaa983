// The « Copier le code » button of « Intégrer la carte »: copies the
// snippet and says so (the snippet stays selectable without it).
(function () {
  "use strict";
  var box = document.getElementById("copie");
  var snippet = document.getElementById("extrait");
  if (!box || !snippet || !navigator.clipboard) {
    return;
  }
  var said = box.querySelector("[role=status]");
  box.hidden = false;
  box.querySelector("button").addEventListener("click", function () {
    navigator.clipboard.writeText(snippet.value).then(
      function () { said.textContent = "Code copié"; },
      function () { snippet.select(); said.textContent = "Copie refusée par le navigateur : le code est sélectionné, copiez-le avec Ctrl+C"; });
  });
})();
