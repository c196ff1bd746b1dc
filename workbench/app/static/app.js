// Keeps the current bead in view (also on a fresh load of a link to a bead), asks before a page with
// unsaved edits is closed or reloaded, turns shortcuts back on after a pick in the sidebar (a focused select or
// toggle swallows them), says when they are off (the cursor is in a field), and shows the keyboard help.
// Read by workbench/app/widgets.py, which puts it on every page (it installs itself once per browser tab).
(() => {
  const d = document;
  const s = window.__wb || (window.__wb = {});
  if (s.installed) return;
  s.installed = true;
  s.wantView = true;
  const FIELDS = ["INPUT", "TEXTAREA", "SELECT"];
  const isField = (el) => !!el && (el.isContentEditable || FIELDS.includes(el.tagName));
  const isCombo = (el) => !!el && el.tagName === "INPUT" && el.getAttribute("role") === "combobox";
  const inMulti = (el) => !!el && !!el.closest('[data-testid="stMultiSelect"]');
  const open = (el) => isCombo(el) && el.getAttribute("aria-expanded") === "true";
  const textual = (el) => el.tagName === "INPUT" && ["text", "search", "number", ""].includes(el.type);
  const hint = () => {
    const h = d.getElementById("wb-hint");
    if (h) h.hidden = !isField(d.activeElement);
  };
  const blurLater = (test, ms = 60) => setTimeout(() => {
    const a = d.activeElement;
    if (a && test(a)) a.blur();
    hint();
  }, ms);
  const help = (show) => {
    const o = d.getElementById("wb-help");
    if (o) o.hidden = show === undefined ? !o.hidden : !show;
  };
  const KEYS = new Set(["j", "k", "u", "l", "n", "m", "s", "x", "e", "enter", "pageup", "pagedown",
                        "home", "end", "arrowup", "arrowdown", "z"]);
  d.addEventListener("focusin", hint, true);
  d.addEventListener("focusout", () => setTimeout(hint, 0), true);
  d.addEventListener("keydown", (e) => {
    const a = d.activeElement;
    if (e.key === "Escape") {
      const o = d.getElementById("wb-help");
      if (o && !o.hidden) { help(false); e.preventDefault(); return; }
      if (isField(a)) blurLater((b) => isField(b) && !open(b), 30);
      return;
    }
    if (isField(a)) {
      if (e.key === "Enter" && (isCombo(a) ? !inMulti(a) : textual(a))) blurLater((b) => b === a);
      return;
    }
    if (e.key === "?") { help(); e.preventDefault(); return; }
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const f = d.querySelector(".st-key-find_q input");
      if (f) { f.focus(); f.select(); e.preventDefault(); }
      return;
    }
    if (KEYS.has(e.key.toLowerCase())) s.wantView = true;
  }, true);
  d.addEventListener("click", (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    if (t.closest('[role="option"]')) blurLater((a) => isCombo(a) && !inMulti(a));
    if (t.closest(".wb-help-btn")) help();
    else if (t.closest("#wb-help") && !t.closest(".wb-help-box")) help(false);
    if (t.closest('[data-testid="stMain"] button')) s.wantView = true;
  }, true);
  d.addEventListener("change", (e) => {
    const t = e.target;
    const box = t && t.tagName === "INPUT" && (t.type === "checkbox" || t.type === "radio");
    if (box) blurLater((a) => a === t);
  }, true);
  window.addEventListener("beforeunload", (e) => {
    if (!d.querySelector(".wb-dirty")) return;  // drawn while there are unsaved edits and autosave is off
    e.preventDefault();
    e.returnValue = "";
  });
  const stop = () => { s.wantView = false; s.touched = true; };
  d.addEventListener("wheel", stop, {passive: true, capture: true});
  d.addEventListener("touchstart", stop, {passive: true, capture: true});
  d.addEventListener("mousedown", (e) => {  // on a scrollbar: the page itself, not a thing on it
    const main = d.querySelector('[data-testid="stMain"]');
    if (e.target === d.documentElement || e.target === main) stop();
  }, true);
  const running = () => !d.querySelector('[data-testid=stApp][data-test-script-state=notRunning]');
  const settle = () => {
    if (running() || d.querySelector('[data-stale="true"]')) return;  // the page is still being drawn
    const area = d.querySelector(".st-key-editor textarea");
    if (area && !area.dataset.wbFocused) { area.dataset.wbFocused = "1"; area.focus(); }
    const mark = d.querySelector(".st-key-bead_current .wb-cur");
    if (!mark || mark.dataset.run === s.lastRun) { keep(); return; }
    s.lastRun = mark.dataset.run;
    const moved = mark.dataset.key !== s.lastKey;
    if (!moved && !s.wantView) { keep(); return; }
    const fresh = s.lastKey === undefined;  // the tab's first bead (a link to it): held until a scroll
    s.lastKey = mark.dataset.key;
    s.wantView = false;
    s.hold = mark.closest(".st-key-bead_current");
    s.holdUntil = fresh ? Infinity : Date.now() + 6000;
    s.touched = false;
    keep();
    // The page may still grow above the bead (a fresh load): look again, unless the reviewer scrolled.
    for (const ms of [250, 800, 2000, 5000]) setTimeout(keep, ms);
  };
  // Scroll the bead just made current into view if it is out of it, for a few seconds (the page may still
  // be growing above it), unless the reviewer scrolls the page.
  const keep = () => {
    if (s.hold && !s.hold.isConnected) {  // drawn again (the same bead in a new element): follow it
      const mark = d.querySelector(".st-key-bead_current .wb-cur");
      s.hold = mark && mark.dataset.key === s.lastKey ? mark.closest(".st-key-bead_current") : null;
    }
    const bead = s.hold;
    if (!bead || s.touched || Date.now() > s.holdUntil) return;
    const tools = d.querySelector(".st-key-bead_msg");
    const box = bead.getBoundingClientRect();
    const bottom = Math.max(box.bottom, tools ? tools.getBoundingClientRect().bottom : 0);
    const head = d.querySelector(".st-key-bead_head");  // sticky: a bead under it is hidden
    const top = Math.max(48, head ? head.getBoundingClientRect().bottom : 0), h = window.innerHeight;
    const fits = bottom - box.top < h - top;
    if (box.top < top || bottom > h) bead.scrollIntoView({block: fits ? "center" : "start"});
  };
  let timer = null;
  new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(settle, 60); })
    .observe(d.body, {subtree: true, childList: true, attributes: true,
              attributeFilter: ["data-stale", "data-test-script-state"]});
  // On a fresh load the last change may come before this script is there to see it: look until the
  // first bead is seen (a page without beads stops looking after a minute).
  const since = Date.now();
  const poll = setInterval(() => {
    if (s.lastRun !== undefined || Date.now() - since > 60000) clearInterval(poll); else settle();
  }, 300);
  hint();
})();
