// The grid, live: outcomes recomputed by the server's rules as marks change, and what is typed
// kept in this browser until the server has it (a reload or a lost connection loses nothing).
(function () {
  "use strict";

  // From the top of a submitted grid, one activation to the signature: the password field, focused.
  const toSignature = document.getElementById("to-signature");
  if (toSignature) {
    toSignature.addEventListener("click", (event) => {
      const password = document.getElementById("id_password");
      if (!password) return;
      event.preventDefault();
      password.focus();
      password.scrollIntoView({ block: "center" });
    });
  }

  const form = document.getElementById("grid-form");
  if (!form || !form.dataset.editable) return;
  const revisionInput = form.querySelector("input[name=revision]");
  // One entry per exam and per account: on a shared tablet, nobody inherits another's input; logging out
  // removes every "cqp-grid-" entry (site.js). The entry holds the revision the input was typed against;
  // `queued` names the button pressed while offline ("save" or "submit"), to be sent once back online.
  const storageKey = "cqp-grid-" + form.dataset.exam + "-" + form.dataset.user;
  const saveState = document.getElementById("save-state");
  const OFFLINE = "Hors ligne : votre saisie est gardée sur cet appareil et sera envoyée au retour de la connexion.";
  const RETRY_MILLISECONDS = 10000;
  let dirty = false;
  let timer = null;
  let connectionLost = false; // the last preview found no server, though the browser may think it is online
  let sending = false;
  let retry = null; // the one pending retry of `send`

  function say(text) { if (saveState) saveState.textContent = text; }
  function stored() { return JSON.parse(localStorage.getItem(storageKey) || "null"); }
  function store(entry) { localStorage.setItem(storageKey, JSON.stringify(entry)); }
  function isQueued() { const entry = stored(); return Boolean(entry && entry.queued); }

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
        // A text brought back from this browser is shown, not left folded away.
        const fold = element.closest("details");
        if (fold && element.tagName === "TEXTAREA" && value) fold.open = true;
      }
    }
  }

  // Keeps what is typed in this browser; returns the action still queued offline, if any.
  function keep() {
    const previous = stored();
    const queued = (previous && previous.queued) || null;
    store({ revision: Number(revisionInput.value), values: values(), pending: false, queued });
    return queued;
  }

  function showOutcomes(outcomes) {
    for (const [id, outcome] of Object.entries(outcomes)) {
      const target = document.getElementById(id);
      if (target) target.innerHTML = outcome.html;
      for (const link of document.querySelectorAll(`[data-outcome-of="${CSS.escape(id)}"]`)) {
        link.classList.remove("outcome-acquired", "outcome-not_acquired", "outcome-pending");
        link.classList.add("outcome-" + outcome.outcome);
        link.querySelector(".short").innerHTML = outcome.short;
      }
      // Not acquired, not validated: the comment (the recommendations, for a bloc) is needed, so it unfolds.
      // Nothing folds back by itself: what the member is reading or typing stays in view.
      if (outcome.outcome === "not_acquired") {
        for (const fold of document.querySelectorAll(`details[data-opens-for="${CSS.escape(id)}"]`)) fold.open = true;
      }
    }
  }

  function showProblems(texts) {
    const problems = document.getElementById("problems");
    if (!problems) return;
    problems.replaceChildren();
    if (texts.length) {
      problems.append("Avant de soumettre : ");
      const list = document.createElement("ul");
      list.className = "mb-0";
      for (const text of texts) { const item = document.createElement("li"); item.textContent = text; list.append(item); }
      problems.append(list);
    } else problems.append("La grille est complète : elle peut être soumise.");
  }

  function preview() {
    return fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)));
  }

  function refresh() {
    preview()
      .then((result) => {
        connectionLost = false;
        showOutcomes(result.outcomes);
        showProblems(result.problems);
        if (!sending) submitQueued(); // the server just answered: no need to ask it again
      })
      .catch(() => {
        connectionLost = true;
        say(isQueued() ? OFFLINE : "Connexion perdue : votre saisie est gardée dans ce navigateur.");
      });
  }

  // Offline, « Enregistrer » keeps the member on the page: the input waits in this browser.
  function enqueue(action) {
    store({ revision: Number(revisionInput.value), values: values(), pending: false, queued: action });
    dirty = false;
    say(OFFLINE);
  }

  // Back online: the queued input is posted once, as if the button were pressed again. The entry loses its
  // `queued` mark before the form leaves, so neither a second `online` event nor a reload sends it twice.
  function send() {
    if (sending || !isQueued() || !navigator.onLine) return;
    clearTimeout(retry);
    sending = true;
    preview()
      .then(() => {
        connectionLost = false;
        if (!submitQueued()) sending = false;
      })
      .catch(() => {
        sending = false;
        connectionLost = true;
        retry = setTimeout(send, RETRY_MILLISECONDS);
      });
  }

  // The server answers: the queued input, if any, leaves now. Returns whether it did.
  function submitQueued() {
    const entry = stored();
    if (!entry || !entry.queued) return false;
    const button = form.querySelector(`button[name=${entry.queued}]`) || form.querySelector("button[name=save]");
    store({ ...entry, values: values(), pending: true, queued: null });
    dirty = false;
    say("Connexion retrouvée : envoi de votre saisie…");
    form.requestSubmit(button);
    return true;
  }

  form.addEventListener("input", () => {
    if (keep()) say(OFFLINE);
    else { dirty = true; say("Modifications non enregistrées."); }
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });

  form.addEventListener("submit", (event) => {
    if (!navigator.onLine || connectionLost) {
      event.preventDefault();
      enqueue(event.submitter && event.submitter.name === "submit" ? "submit" : "save");
      return;
    }
    const entry = stored();
    if (entry) { entry.pending = true; store(entry); }
    dirty = false;
  });

  window.addEventListener("beforeunload", (event) => { if (dirty) event.preventDefault(); });
  window.addEventListener("online", send);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); form.querySelector("button[name=save]").click(); }
  });

  // On load: bring back what was typed here and never reached the server; send what was queued offline.
  const entry = stored();
  const revision = Number(form.dataset.revision);
  if (form.dataset.conflict) {
    // Nothing was saved: the page shows this member's input against the latest revision.
    dirty = true;
    keep();
  } else if (entry) {
    const same = JSON.stringify(entry.values) === JSON.stringify(values());
    if (same || (entry.pending && revision > entry.revision)) {
      localStorage.removeItem(storageKey);
    } else {
      apply(entry.values);
      // Typed against an older revision: the server merges from there, never overwrites silently.
      revisionInput.value = String(Math.min(entry.revision, Number(revisionInput.value)));
      const notice = document.createElement("div");
      notice.className = "alert alert-info";
      notice.setAttribute("role", "status");
      notice.id = "restored";
      if (entry.queued) {
        notice.textContent = "Une saisie gardée hors ligne a été retrouvée dans ce navigateur et remise dans la grille : elle est envoyée dès le retour de la connexion.";
        say(OFFLINE);
      } else {
        dirty = true;
        notice.textContent = "Une saisie non enregistrée a été retrouvée dans ce navigateur et remise dans la grille : enregistrez-la.";
      }
      form.prepend(notice);
      refresh();
    }
  }
})();
