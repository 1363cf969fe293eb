// The grid, live: outcomes recomputed by the server's rules as marks change, and what is typed
// kept in this browser until the server has it (a reload or a lost connection loses nothing).
(function () {
  "use strict";
  const form = document.getElementById("grid-form");
  if (!form) return;
  const revisionInput = form.querySelector("input[name=revision]");
  // One entry per exam and per account: on a shared tablet, nobody inherits another's input; logging out
  // removes every "cqp-grid-" entry (site.js).
  const storageKey = "cqp-grid-" + form.dataset.exam + "-" + form.dataset.user;
  const saveState = document.getElementById("save-state");
  let dirty = false;
  let timer = null;

  function values() {
    const data = {};
    for (const element of form.elements) {
      if (!element.name || element.name === "csrfmiddlewaretoken" || element.name === "revision") continue;
      if (element.type === "radio") { if (element.checked) data[element.name] = element.value; else if (!(element.name in data)) data[element.name] = ""; }
      else if (element.type === "checkbox") data[element.name] = element.checked;
      else if (element.tagName === "TEXTAREA" || element.type === "text") data[element.name] = element.value;
    }
    return data;
  }

  function apply(data) {
    for (const [name, value] of Object.entries(data)) {
      for (const element of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (element.type === "radio") element.checked = element.value === value;
        else if (element.type === "checkbox") element.checked = Boolean(value);
        else element.value = value;
      }
    }
  }

  function keep() {
    localStorage.setItem(storageKey, JSON.stringify({ revision: Number(revisionInput.value), values: values(), pending: false }));
  }

  function refresh() {
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((result) => {
        for (const [id, outcome] of Object.entries(result.outcomes)) {
          const target = document.getElementById(id);
          if (target) target.innerHTML = outcome.html;
        }
        const problems = document.getElementById("problems");
        if (problems) {
          problems.replaceChildren();
          if (result.problems.length) {
            problems.append("Avant de soumettre : ");
            const list = document.createElement("ul");
            list.className = "mb-0";
            for (const text of result.problems) { const item = document.createElement("li"); item.textContent = text; list.append(item); }
            problems.append(list);
          } else problems.append("La grille est complète : elle peut être soumise.");
        }
      })
      .catch(() => { if (saveState) saveState.textContent = "Connexion perdue : votre saisie est gardée dans ce navigateur."; });
  }

  form.addEventListener("input", () => {
    dirty = true;
    keep();
    if (saveState) saveState.textContent = "Modifications non enregistrées.";
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });

  form.addEventListener("submit", () => {
    const stored = JSON.parse(localStorage.getItem(storageKey) || "null");
    if (stored) { stored.pending = true; localStorage.setItem(storageKey, JSON.stringify(stored)); }
    dirty = false;
  });

  window.addEventListener("beforeunload", (event) => { if (dirty) event.preventDefault(); });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); form.querySelector("button[name=save]").click(); }
  });

  // On load: bring back what was typed here and never reached the server.
  const stored = JSON.parse(localStorage.getItem(storageKey) || "null");
  const revision = Number(form.dataset.revision);
  if (form.dataset.conflict) {
    // Nothing was saved: the page shows this member's input against the latest revision.
    dirty = true;
    keep();
  } else if (stored) {
    const same = JSON.stringify(stored.values) === JSON.stringify(values());
    if (same || (stored.pending && revision > stored.revision)) {
      localStorage.removeItem(storageKey);
    } else {
      apply(stored.values);
      // Typed against an older revision: the server merges from there, never overwrites silently.
      revisionInput.value = String(Math.min(stored.revision, Number(revisionInput.value)));
      dirty = true;
      const notice = document.createElement("div");
      notice.className = "alert alert-info";
      notice.setAttribute("role", "status");
      notice.id = "restored";
      notice.textContent = "Une saisie non enregistrée a été retrouvée dans ce navigateur et remise dans la grille : enregistrez-la.";
      form.prepend(notice);
      refresh();
    }
  }
})();
