// Every page's script. Logging out forgets what this browser kept of the grids (grid.js keeps unsaved
// input under "cqp-grid-" keys): the next person at a shared computer finds none of it.
(function () {
  "use strict";
  const logout = document.getElementById("logout-form");
  if (!logout) return;
  logout.addEventListener("submit", () => {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("cqp-grid-")) localStorage.removeItem(key);
    }
  });
})();
