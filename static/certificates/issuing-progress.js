// The progress of a deliberation's certificates (admin): reads this same page again every three seconds
// and updates the bar and the polite live region from it, until the run is finished. Never reloads the
// page (WCAG 2.2.1: nothing moves under the reader's eyes); without JavaScript, the « Actualiser » link.
(function () {
  "use strict";
  if (!document.getElementById("issuing")) return;  // loaded only while the run is under way (progress.html)
  const bar = document.getElementById("issuing-progress");
  const status = document.getElementById("issuing-status");

  function show(page) {
    const fresh = page.getElementById("issuing");
    if (!fresh) return false;
    const freshBar = page.getElementById("issuing-progress");
    bar.max = freshBar.max;
    bar.value = freshBar.value;
    const freshStatus = page.getElementById("issuing-status");
    if (freshStatus.textContent.trim() !== status.textContent.trim()) status.innerHTML = freshStatus.innerHTML;
    if (!fresh.dataset.finished) return false;
    document.getElementById("issuing-refresh")?.remove();
    return true;
  }

  function poll() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then((response) => {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then((html) => {
        if (!show(new DOMParser().parseFromString(html, "text/html"))) window.setTimeout(poll, 3000);
      })
      .catch(() => window.setTimeout(poll, 6000));
  }

  window.setTimeout(poll, 3000);
})();
