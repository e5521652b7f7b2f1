// Replace the plain query form with YASGUI when the editor could be loaded; the form stays the fallback.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("query-form");
  if (!form || typeof window.Yasgui === "undefined") { return; }
  var holder = document.createElement("div");
  holder.id = "yasgui";
  form.parentNode.insertBefore(holder, form);
  var endpoint = form.getAttribute("action");
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  var text = form.querySelector("textarea").value;
  if (text) { yasgui.getTab().setQuery(text); }
  form.style.display = "none";
});
