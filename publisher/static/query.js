// Replace the plain query form with YASGUI when the editor could be loaded; the form stays the fallback.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("query-form");
  if (!form || typeof window.Yasgui === "undefined") { return; }
  // Nothing leaves this origin. YASQE's own class and property completers ask the Linked Open Vocabularies
  // service while one types, and its prefix completer may ask prefix.cc: all three are replaced by copies that
  // complete from the page's own list (the classes and properties of our VoID partitions, our prefixes),
  // embedded as JSON. Set on the defaults, since YASGUI merges arrays from a configuration element by element.
  var Yasqe = window.Yasgui.Yasqe;
  var data = document.getElementById("query-vocabulary");
  var vocabulary = { classes: [], properties: [], prefixes: {} };
  if (data) { try { vocabulary = JSON.parse(data.textContent); } catch (e) { /* keep the empty lists */ } }
  function starting(list) {
    return function (yasqe, token) {
      var typed = token && token.autocompletionString ? token.autocompletionString : "";
      return list.filter(function (iri) { return iri.indexOf(typed) === 0 && iri !== typed; });
    };
  }
  var prefixes = Object.keys(vocabulary.prefixes).sort().map(function (p) {
    return p + ": <" + vocabulary.prefixes[p] + ">";
  });
  Yasqe.forkAutocompleter("class", { name: "own-classes", get: starting(vocabulary.classes) }, false);
  Yasqe.forkAutocompleter("property", { name: "own-properties", get: starting(vocabulary.properties) }, false);
  // A list (not a function): YASQE then uses it as given, never a copy kept in the browser's storage.
  Yasqe.forkAutocompleter("prefixes", { name: "own-prefixes", get: prefixes, persistenceId: "regiolod-prefixes" }, false);
  Yasqe.defaults.autocompleters = ["variables", "own-prefixes", "own-properties", "own-classes"];
  Yasqe.defaults.prefixCcApi = null;
  var holder = document.createElement("div");
  holder.id = "yasgui";
  form.parentNode.insertBefore(holder, form);
  var endpoint = form.getAttribute("action");
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    // the page's own ?query=…&format=html is no share link: YASGUI would run it again, asking for HTML
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  var text = form.querySelector("textarea").value;
  if (text) { yasgui.getTab().setQuery(text); }
  form.style.display = "none";
});
