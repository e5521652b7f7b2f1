// Replace the plain query form with YASGUI when the editor could be loaded; the form stays the fallback.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("query-form");
  if (!form || typeof window.Yasgui === "undefined") { return; }
  // Nothing leaves this origin: only the completers that work on the query itself (variables, and prefixes
  // from the bundled list; prefixCcApi stays unset). The property and class completers would ask the
  // Linked Open Vocabularies service while one types. Set on the defaults, since YASGUI merges arrays
  // from a configuration element by element.
  var Yasqe = window.Yasgui.Yasqe;
  Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(function (name) {
    return name === "variables" || name === "prefixes";
  });
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
