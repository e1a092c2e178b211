// Progressive enhancement only: every page works without this file.
// Live totals on the scorecard editor: sum of weights and the split as you type.
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-live-totals]");
  if (!form) return;
  let total = 0, quantitative = 0, satisfaction = 0;
  form.querySelectorAll("[data-line]").forEach((row) => {
    const weight = parseFloat(row.querySelector("[name$='weight']")?.value || "0") || 0;
    total += weight;
    if (row.dataset.kind === "QUANTITATIVE") quantitative += weight;
    if (row.dataset.csat === "true") satisfaction += weight;
  });
  const show = (name, value) => {
    const cell = form.querySelector(`[data-total='${name}']`);
    if (cell) cell.textContent = value.toFixed(2);
  };
  show("weight", total);
  show("quantitative", quantitative);
  show("qualitative", total - quantitative);
  show("satisfaction", satisfaction);
});

// setup pages
// Scorecard editor: a line's kind and customer-satisfaction flag follow its chosen KPI,
// then the live totals above are recomputed.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.matches || !select.matches("form[data-live-totals] [data-line] select[name$='-kpi']")) return;
  const row = select.closest("[data-line]");
  const option = select.selectedOptions[0];
  row.dataset.kind = option?.dataset.kind || "";
  row.dataset.csat = option?.dataset.csat || "false";
  row.querySelector("[name$='weight']")?.dispatchEvent(new Event("input", { bubbles: true }));
});

// A region that scrolls sideways (a wide table on a phone, a long detail) can be reached
// and scrolled with the keyboard: it becomes focusable, named by its table's heading.
function markScrollable() {
  document.querySelectorAll("main table, .table-scroll, pre").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      if (!box.getAttribute("role")) box.setAttribute("role", "region");
      if (!box.getAttribute("aria-label")) {
        const heading = box.closest("section")?.querySelector("h2, h3") || document.querySelector("h1");
        if (heading) box.setAttribute("aria-label", heading.textContent.trim());
      }
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollable);
window.addEventListener("resize", markScrollable);
// score and team pages
// Live pages: poll the page's small version endpoint (same origin, the session cookie);
// when the version moves, reload, unless a form on the page is being filled in: then
// say so beside the reload button. Paused while the tab is hidden.
(() => {
  const live = document.querySelector("[data-version-url]");
  if (!live || !window.fetch) return;
  const seconds = 15;
  let edited = false;
  document.addEventListener("input", (event) => {
    if (event.target.closest("form") && !event.target.closest(".live-version")) edited = true;
  });
  const check = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(live.dataset.versionUrl, {
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
      if (!response.ok) return;
      const body = await response.json();
      if (body.version === live.dataset.version) return;
      if (edited) {
        live.querySelector("[data-version-changed]").hidden = false;
      } else {
        window.location.reload();
      }
    } catch (error) {
      // Offline or signed out: the reload button still works.
    }
  };
  window.setInterval(check, seconds * 1000);
  document.addEventListener("visibilitychange", check);
})();
