// A classic script that runs before the app's modules, in any browser that runs scripts.
//
// It keeps every uncaught error of the page in window.racelab.errors (for a bug report,
// and for the test suite, which cannot listen for page errors in every engine), and if the
// app never starts (a browser too old for its modules, a file that failed to load) it says
// so in the page instead of leaving it blank. Written in old JavaScript on purpose: it must
// parse where the modules do not.
(function () {
  var errors = [];
  window.racelab = { errors: errors };
  addEventListener('error', function (e) {
    var target = e.target;
    if (target && target !== window && (target.src || target.href)) {
      errors.push('could not load ' + (target.src || target.href));
    } else {
      errors.push(String(e.message || (e.error && e.error.message) || 'script error'));
    }
  }, true);
  addEventListener('unhandledrejection', function (e) {
    var reason = e.reason;
    errors.push('unhandled rejection: ' + String((reason && reason.message) || reason));
  });
  addEventListener('load', function () {
    if (window.racelab.ready) return;
    var status = document.getElementById('runtime-status');
    if (!status) return;
    status.textContent = 'racelab could not start in this browser' +
      (errors.length ? ' (' + errors[0] + ')' : '') +
      '. It needs a current Firefox, Chrome, Edge or Safari.';
  });
})();
