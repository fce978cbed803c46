// Starts Swagger UI on /docs. A file of its own, since the page's CSP allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var settings = JSON.parse(root.getAttribute("data-config") || "{}");
  var config = {
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null // no badge from the public validator: nothing leaves this service
  };
  Object.keys(settings).forEach(function (key) { config[key] = settings[key]; });
  window.ui = window.SwaggerUIBundle(config);
})();
