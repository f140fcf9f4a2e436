// A classic script that runs before the app's modules, in any browser that runs scripts.
//
// It keeps every uncaught error of the page in window.racelab.errors (for a bug report,
// and for the test suite, which cannot listen for page errors in every engine), and if the
// app never starts (a browser too old for its modules, a file that failed to load) it says
// so in the page instead of leaving it blank. A page opened from a file (file://) cannot
// start at all: browsers refuse module scripts and workers there. It says what to do
// instead, and hides what would only pretend to work. Written in old JavaScript on
// purpose: it must parse where the modules do not.
(function () {
  var errors = [];
  var fromFile = location.protocol === 'file:';
  window.racelab = { errors: errors, fromFile: fromFile };
  var FROM_FILE = 'racelab was opened from a file, and browsers do not run its threads ' +
    '(module scripts and workers) from files. Serve this folder instead: run ' +
    'python3 -m http.server in it and open http://localhost:8000/ ' +
    '(or open the hosted site once while online, and it keeps working offline).';
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
  if (fromFile) {
    document.addEventListener('DOMContentLoaded', function () {
      var main = document.querySelector('main');
      if (main) main.hidden = true;
      var status = document.getElementById('runtime-status');
      if (status) {
        status.textContent = FROM_FILE;
        status.className += ' stopped';
      }
    });
  }
  addEventListener('load', function () {
    if (window.racelab.ready || fromFile) return;
    var status = document.getElementById('runtime-status');
    if (!status) return;
    status.textContent = 'racelab could not start in this browser' +
      (errors.length ? ' (' + errors[0] + ')' : '') +
      '. It needs a current Firefox, Chrome, Edge or Safari.';
  });
})();
