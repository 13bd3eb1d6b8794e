/* Behaviour that used to sit in inline scripts and on* attributes, which the Content-Security-Policy
   (script-src 'self') no longer runs. Declared in the templates with data attributes:
   - <script type="application/json" data-init="weizhiliMap">[arguments]</script> calls window.weizhiliMap(...arguments)
     (a JSON block is data, not a script: CSP does not execute it);
   - data-sets-place on a select copies its value into #id_place (an empty one too when ="always");
   - data-autosubmit on a select submits its form on change;
   - data-fills-note on a select copies its value into its form's note field;
   - data-toggle-children on a button flips +/− and empties the sibling .sub when folded;
   - data-back on a link goes back in history. */
(function () {
  "use strict";

  function boot(root) {
    root.querySelectorAll("script[type='application/json'][data-init]").forEach(function (el) {
      if (el.dataset.initDone) return;
      el.dataset.initDone = "1";
      var fn = window[el.dataset.init];
      if (typeof fn === "function") fn.apply(null, JSON.parse(el.textContent));
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("select[data-sets-place]") && (el.value || el.dataset.setsPlace === "always")) {
      document.getElementById("id_place").value = el.value;
    } else if (el.matches("select[data-autosubmit]")) {
      el.form.submit();
    } else if (el.matches("select[data-fills-note]")) {
      el.form.note.value = el.value;
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-toggle-children], a[data-back]");
    if (!el) return;
    if (el.matches("a[data-back]")) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
      return;
    }
    el.textContent = el.textContent === "+" ? "−" : "+";
    if (el.textContent === "+") el.parentNode.querySelector(".sub").innerHTML = "";
  });

  if (window.htmx) {
    window.htmx.onLoad(boot);  // the page itself, and every fragment htmx swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { boot(document); });
  }
})();
