// Wide tables scroll sideways on a phone (DSFR `.fr-table`): a region that scrolls must be reachable
// with the keyboard (RGAA 12.13, WCAG 2.1.1). Each scrolling element of a table gets a tab stop and is
// named after the table's caption; nothing changes where the table fits. Runs again when the DSFR
// script wraps the tables, and when the window is resized (at most once a frame).
(function () {
  function label(element) {
    var caption = element.querySelector('caption');
    return caption ? caption.textContent.trim() : 'Tableau';
  }
  function mark() {
    document.querySelectorAll('.fr-table table, .fr-table__shadow, .fr-table__wrapper').forEach(function (element) {
      var scrolls = element.scrollWidth > element.clientWidth + 1 || element.scrollHeight > element.clientHeight + 1;
      if (scrolls && !element.hasAttribute('tabindex')) {
        element.setAttribute('tabindex', '0');
        // A table keeps its own role (named by its caption); a wrapper becomes a named region.
        if (element.tagName !== 'TABLE') {
          element.setAttribute('role', 'region');
          element.setAttribute('aria-label', label(element.closest('.fr-table') || element));
        }
      }
    });
  }
  // Many changes (the DSFR wrapping every table, a resize being dragged) ask for one pass at the next
  // frame, not one pass each.
  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      mark();
    });
  }
  document.addEventListener('DOMContentLoaded', soon);
  window.addEventListener('load', soon);
  window.addEventListener('resize', soon);
  new MutationObserver(soon).observe(document.documentElement, { childList: true, subtree: true });
})();
