// The admin's accessibility repairs (issue 19, RGAA), for what Django's admin scripts build in the page:
// select2's autocomplete boxes named after their field's label, SelectFilter2's help icons given the role
// their aria-label needs, and the regions that scroll reachable by keyboard. Run again whenever the page
// changes (select2 redraws its choices) and when the window is resized (a region scrolls on a phone only).
(function () {
  "use strict";

  function labelOf(id) {
    const label = id && document.querySelector(`label[for="${CSS.escape(id)}"]`);
    if (!label) return null;
    if (!label.id) label.id = `${id}-label`;
    return label;
  }

  function setAttribute(element, name, value) {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function nameAutocompletes() {
    for (const select of document.querySelectorAll("select.admin-autocomplete")) {
      const label = labelOf(select.id);
      const box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) continue;
      const name = label.textContent.replace(/\s*:\s*$/, "").trim();
      const selection = box.querySelector(".select2-selection");
      if (!selection) continue;
      const shown = selection.querySelector(".select2-selection__rendered[id]");
      if (shown) {
        setAttribute(selection, "aria-labelledby", `${label.id} ${shown.id}`);
        setAttribute(shown, "aria-label", name);
      } else {
        setAttribute(selection, "aria-label", name);
      }
      for (const search of box.querySelectorAll(".select2-search__field")) setAttribute(search, "aria-label", name);
      // The mouse's « × » that clears every choice (the keyboard's Backspace does it): not an item of the list.
      for (const clear of box.querySelectorAll(".select2-selection__clear")) setAttribute(clear, "aria-hidden", "true");
    }
  }

  function roleHelpIcons() {
    for (const icon of document.querySelectorAll(".help-tooltip[aria-label]:not([role])")) icon.setAttribute("role", "img");
  }

  const FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";

  function reachScrollRegions() {
    for (const region of document.querySelectorAll(".inline-group, .inline-group .tabular, .results, pre")) {
      const scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      const style = getComputedStyle(region);
      const overflows = /(auto|scroll)/.test(style.overflowX + style.overflowY);
      if (scrolls && overflows && !region.hasAttribute("tabindex") && !region.querySelector(FOCUSABLE)) {
        region.setAttribute("tabindex", "0");
        region.dataset.scrollReached = "";
      } else if (!(scrolls && overflows) && region.dataset.scrollReached !== undefined) {
        region.removeAttribute("tabindex");
        delete region.dataset.scrollReached;
      }
    }
  }

  function repair() {
    nameAutocompletes();
    roleHelpIcons();
    reachScrollRegions();
  }

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      repair();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    repair();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("load", schedule);
    window.addEventListener("resize", schedule);
  });
})();
