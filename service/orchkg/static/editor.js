// The SPARQL editor: YASGUI on this server's /sparql. Its settings come from the page's
// JSON block (#editor-config), not from inline script, so the page keeps a strict
// Content-Security-Policy. The endpoint is given as getter functions: YASGUI keeps a
// tab's settings in the browser (localStorage), and plain strings saved there would win
// over the page's; a getter is evaluated at every request.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var configBlock = document.getElementById("editor-config");
  if (!holder || !configBlock || typeof Yasgui === "undefined") {
    return;
  }
  var config = JSON.parse(configBlock.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var getEndpoint = function () { return endpoint; };
  var getMethod = function () { return "POST"; };

  // Completion from the network (LOV for classes and properties) is left out: no page
  // of orchkg reaches another site. Prefixes and variables complete locally.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.value = config.defaultQuery;
  Yasgui.Yasqe.defaults.showQueryButton = true;
  Yasgui.Yasqe.defaults.resizeable = true;

  var yasgui = new Yasgui(holder, {
    requestConfig: {
      endpoint: getEndpoint,
      method: getMethod,
      acceptHeaderSelect: function () {
        return "application/sparql-results+json,*/*;q=0.9";
      },
    },
    copyEndpointOnNewTab: false,
    persistenceId: "orchkg-editor",
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: [],
    },
    populateFromUrl: function (fromUrl) {
      fromUrl.requestConfig = Object.assign({}, fromUrl.requestConfig || {}, {
        endpoint: getEndpoint,
      });
      return fromUrl;
    },
    yasqe: { value: config.defaultQuery },
    yasr: { prefixes: config.prefixes },
  });

  function forceEndpoint(tab) {
    if (tab && typeof tab.setEndpoint === "function" && tab.getEndpoint() !== endpoint) {
      tab.setEndpoint(endpoint);
    }
  }
  Object.keys(yasgui._tabs).forEach(function (id) { forceEndpoint(yasgui.getTab(id)); });
  yasgui.on("tabAdd", function (instance, id) { forceEndpoint(instance.getTab(id)); });

  function openTab(name, query) {
    var tab = yasgui.addTab(
      true,
      {
        name: name,
        yasqe: { value: query },
        requestConfig: { endpoint: getEndpoint, method: getMethod },
      },
      { avoidDuplicateTabs: true }
    );
    forceEndpoint(tab);
    return tab;
  }

  if (config.query) {
    openTab("query", config.query);
  }

  var select = document.getElementById("example");
  var button = document.getElementById("open-example");
  if (select && button) {
    button.addEventListener("click", function () {
      var chosen = config.examples.filter(function (item) { return item.name === select.value; })[0];
      if (chosen) {
        openTab(chosen.name, chosen.query);
      }
    });
  }
  window.orchkgEditor = yasgui;
})();
