// Proof that the page's script runs inside the node's sandboxed frame: fills in one line
// and puts it in the title, which the node's shell page copies to the browser tab.
(function () {
  'use strict';
  var line = 'Served by your Freenet node at ' + location.host;
  document.getElementById('served-by').textContent = line;
  document.title = 'Brook · ' + line;
})();
